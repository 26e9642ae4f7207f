import Foundation

/// A parsed JSON value with integers kept apart from other numbers (used to read headers
/// strictly: an offset written as 1.5 or true is rejected, not rounded).
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !list.isAtEnd { items.append(try list.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONValue] = [:]
            for key in keyed.allKeys { members[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key) }
            self = .object(members)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null; return }
        if let value = try? single.decode(Bool.self) { self = .bool(value); return }
        if let value = try? single.decode(Int.self) { self = .integer(value); return }
        if let value = try? single.decode(Double.self) { self = .number(value); return }
        self = .string(try single.decode(String.self))
    }

    /// Why `parse` failed, in one line.
    struct ParseFailure: Error {
        var reason: String
    }

    /// Parses `data` strictly (`StrictJSONParser`: integers only when written without a fraction
    /// or exponent, duplicate keys refused, nesting bounded), throwing `ParseFailure` when it is
    /// not such JSON.
    static func parse(_ data: Data) throws -> JSONValue {
        try StrictJSONParser.parse([UInt8](data))
    }

    /// A short rendering for error messages.
    var brief: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map(\.brief).joined(separator: ",") + "]"
        case .object: return "{...}"
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }
}
