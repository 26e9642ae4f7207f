import Foundation

/// An optional that JSON writes as `null` when absent (instead of leaving the key out), so that a
/// reader sees "no value" stated; decoding accepts a missing key, null, or a value.
@propertyWrapper
public struct NullEncoded<Value: Codable & Sendable>: Codable, Sendable {
    /// The value, or nil (written as `null`).
    public var wrappedValue: Value?

    /// Wraps `wrappedValue` (nil is written as `null`).
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

/// Decoding of `NullEncoded` properties when their key is missing.
extension KeyedDecodingContainer {
    /// A missing key decodes as nil (the synthesized decoder would otherwise require it).
    public func decode<V>(_ type: NullEncoded<V>.Type, forKey key: Key) throws -> NullEncoded<V> {
        try decodeIfPresent(type, forKey: key) ?? NullEncoded(wrappedValue: nil)
    }
}
