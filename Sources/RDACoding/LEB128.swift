/// Unsigned LEB128 varints: 7 bits per byte, least significant first, high bit = "more".
public enum LEB128 {
    /// Appends `value` to `bytes`.
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Bytes `value` takes.
    public static func size(of value: UInt64) -> Int {
        var v = value, n = 1
        while v >= 0x80 { v >>= 7; n += 1 }
        return n
    }

    public enum ReadResult: Equatable {
        case value(UInt64, next: Int)
        /// The bytes end inside the varint.
        case truncated
        /// More than 10 bytes, a value over 2^64 - 1, or a redundant zero last byte.
        case malformed
    }

    /// Reads one varint at `start`.
    public static func read(_ bytes: [UInt8], at start: Int) -> ReadResult {
        var value: UInt64 = 0
        var i = start
        var shift: UInt64 = 0
        while true {
            guard i < bytes.count else { return .truncated }
            let byte = bytes[i]
            i += 1
            let payload = UInt64(byte & 0x7F)
            if shift == 63 && payload > 1 { return .malformed }
            value |= payload << shift
            if byte & 0x80 == 0 {
                if byte == 0 && i - start > 1 { return .malformed }   // one canonical form per value
                return .value(value, next: i)
            }
            shift += 7
            if shift > 63 { return .malformed }
        }
    }
}
