/// A strict JSON (RFC 8259) parser for headers read from untrusted files.
///
/// Stricter than `JSONDecoder` where a header's meaning depends on it: a number is `.integer` only
/// when written as an integer (`4`, not `4.0` or `4e0`) and fits in `Int`; an object with the same
/// key twice is refused (which of two `"shape"`s would count?); nesting deeper than
/// `maximumDepth` is refused instead of recursing without bound. Runs in time linear in the input.
enum StrictJSONParser {
    /// Deepest nesting of arrays and objects accepted.
    static let maximumDepth = 64

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = Cursor(bytes: bytes)
        p.skipSpace()
        let value = try p.value(depth: 0)
        p.skipSpace()
        guard p.at == bytes.count else { throw p.fail("unexpected text after the JSON value") }
        return value
    }

    struct Cursor {
        let bytes: [UInt8]
        var at = 0

        func fail(_ what: String) -> JSONValue.ParseFailure {
            JSONValue.ParseFailure(reason: "\(what) at byte \(at)")
        }

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0A || bytes[at] == 0x0D { at += 1 }
        }

        mutating func expect(_ word: String) throws {
            for b in word.utf8 {
                guard at < bytes.count, bytes[at] == b else { throw fail("invalid literal (expected \(word))") }
                at += 1
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard at < bytes.count else { throw fail("unexpected end of data") }
            switch bytes[at] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("unexpected character")
            }
        }

        mutating func object(depth: Int) throws -> JSONValue {
            guard depth <= StrictJSONParser.maximumDepth else { throw fail("nesting deeper than \(StrictJSONParser.maximumDepth)") }
            at += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
                let keyStart = at
                let key = try string()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                at += 1
                skipSpace()
                let item = try value(depth: depth)
                guard members.updateValue(item, forKey: key) == nil else {
                    at = keyStart
                    throw fail("duplicate key \"\(key.prefix(60))\"")
                }
                skipSpace()
                guard at < bytes.count else { throw fail("unexpected end of data in an object") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            guard depth <= StrictJSONParser.maximumDepth else { throw fail("nesting deeper than \(StrictJSONParser.maximumDepth)") }
            at += 1
            var items: [JSONValue] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth))
                skipSpace()
                guard at < bytes.count else { throw fail("unexpected end of data in an array") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard at + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[at]
                let digit: UInt32
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
                default: throw fail("invalid \\u escape")
                }
                v = v << 4 | digit
                at += 1
            }
            return v
        }

        /// A string literal starting at the opening quote; the raw bytes must be UTF-8.
        mutating func string() throws -> String {
            at += 1
            var out: [UInt8] = []
            while true {
                guard at < bytes.count else { throw fail("unterminated string") }
                let b = bytes[at]
                if b == UInt8(ascii: "\"") { at += 1; break }
                if b < 0x20 { throw fail("control character in a string") }
                if b != UInt8(ascii: "\\") { out.append(b); at += 1; continue }
                at += 1
                guard at < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard at + 2 <= bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate in a \\u escape")
                        }
                        at += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape (lone surrogate)") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw fail("invalid escape")
                }
            }
            guard let text = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
            return text
        }

        mutating func number() throws -> JSONValue {
            let start = at
            if bytes[at] == UInt8(ascii: "-") { at += 1 }
            func digits() -> Int {
                let s = at
                while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
                return at - s
            }
            let intStart = at
            let n = digits()
            guard n > 0 else { throw fail("invalid number") }
            guard !(n > 1 && bytes[intStart] == UInt8(ascii: "0")) else { throw fail("number with a leading zero") }
            var integral = true
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                at += 1; integral = false
                guard digits() > 0 else { throw fail("invalid number") }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                at += 1; integral = false
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                guard digits() > 0 else { throw fail("invalid number") }
            }
            let text = String(decoding: bytes[start..<at], as: UTF8.self)
            if integral, let i = Int(text) { return .integer(i) }
            guard let d = Double(text), d.isFinite else { throw fail("number out of range") }
            return .number(d)
        }
    }
}
