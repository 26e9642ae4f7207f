import Foundation

extension JSONEncoder {
    /// Key added at the top level of a JSON object that held non-finite numbers: each such
    /// number's key path (`a.b[2]`) with what it was (`"inf"`, `"-inf"`, `"nan"`).
    public static let nonFiniteKey = "non_finite"

    /// Encodes `value` like `encode`, except that a NaN or infinity (which JSON cannot hold, and
    /// on which `encode` throws) becomes `null`, and, when the top level is an object, its key
    /// path is listed with the value under `non_finite` (the reason for the null). Output with
    /// only finite numbers is byte for byte what `encode` gives.
    public func encodeFinite<T: Encodable>(_ value: T) throws -> Data {
        let marker = "\u{1}rda-non-finite:"
        let probe = JSONEncoder()
        probe.outputFormatting = outputFormatting
        probe.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker + "inf", negativeInfinity: marker + "-inf", nan: marker + "nan")
        let data = try probe.encode(value)
        // JSON escapes the control character: look for its escaped form.
        guard let text = String(data: data, encoding: .utf8), text.contains("rda-non-finite:") else { return data }
        var found: [String: String] = [:]
        func clean(_ item: Any, path: String) -> Any {
            switch item {
            case let s as String where s.hasPrefix(marker):
                found[path.isEmpty ? "." : path] = String(s.dropFirst(marker.count))
                return NSNull()
            case let dict as [String: Any]:
                var out: [String: Any] = [:]
                for (k, v) in dict { out[k] = clean(v, path: path.isEmpty ? k : "\(path).\(k)") }
                return out
            case let list as [Any]:
                return list.enumerated().map { clean($0.element, path: "\(path)[\($0.offset)]") }
            default:
                return item
            }
        }
        var cleaned = clean(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]), path: "")
        if var dict = cleaned as? [String: Any] {
            dict[JSONEncoder.nonFiniteKey] = found
            cleaned = dict
        }
        var options: JSONSerialization.WritingOptions = [.fragmentsAllowed]
        if outputFormatting.contains(.prettyPrinted) { options.insert(.prettyPrinted) }
        if outputFormatting.contains(.sortedKeys) { options.insert(.sortedKeys) }
        if outputFormatting.contains(.withoutEscapingSlashes) { options.insert(.withoutEscapingSlashes) }
        return try JSONSerialization.data(withJSONObject: cleaned, options: options)
    }
}
