extension KeyedDecodingContainer {
    /// The value under `key`, or `fallback` when the key is absent (or null): how the records
    /// rda writes (run.json, the model's metadata) read files from before a field was added.
    func decode<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}
