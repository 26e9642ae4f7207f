import Foundation

/// gzip (RFC 1952) decompression and compression through zlib.
public enum Gzip {
    /// True if `bytes` start with the gzip magic bytes 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// True if `data` starts with the gzip magic bytes 1f 8b.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// Decompresses gzip `data` (several concatenated members are decoded in turn).
    ///
    /// - Parameter source: the file name used in error messages.
    /// - Throws: `RDAIOError` `.badMagic` if `data` is not gzip, `.truncated` if it ends early,
    ///   `.corruptData` for damaged data or checksums, `.trailingData` for junk after the end.
    ///   With `limit`, output beyond `limit` bytes throws `.sizeMismatch` (`limitReason` says where
    ///   the limit comes from) as soon as it appears, so a small file cannot expand without bound.
    public static func decompress(_ data: Data, source: String = "gzip data", limit: Int = Int.max,
                                  limitReason: String = "the most this reader accepts") throws -> Data {
        guard isGzip(data) else {
            let start = data.prefix(2).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw RDAIOError(.badMagic, subject: source,
                             problem: "not gzip data (starts with \(start.isEmpty ? "nothing" : start), expected 1f 8b)",
                             fix: "pass the .gz file itself, or the uncompressed file without decompressing it")
        }
        // ISIZE (last 4 bytes, little-endian) is the uncompressed size modulo 2^32 of the last
        // member: a good first guess for the output buffer.
        var hint = 0
        if data.count >= 18 {
            let tail = data.suffix(4)
            hint = tail.reversed().reduce(0) { ($0 << 8) | Int($1) }
            // deflate expands at most about 1032:1, so a damaged ISIZE cannot ask for more than that.
            hint = min(hint, data.count * 1032 + 1024)
        }
        do {
            return try Zlib.inflate(data, format: .gzip, sizeHint: min(hint, limit), limit: limit)
        } catch let failure as Zlib.InflateFailure {
            throw error(failure, source: source, compressedSize: data.count, limitReason: limitReason)
        }
    }

    /// The first `count` bytes of the decompressed gzip `data` (fewer when it is shorter),
    /// inflating no more than that: a header can be checked before the rest is expanded.
    public static func prefix(_ data: Data, count: Int, source: String = "gzip data") throws -> Data {
        guard isGzip(data) else { return try decompress(data, source: source) }
        do {
            return try Zlib.inflate(data, format: .gzip, sizeHint: count, limit: count, prefixOnly: true)
        } catch let failure as Zlib.InflateFailure {
            throw error(failure, source: source, compressedSize: data.count, limitReason: "")
        }
    }

    /// Compresses `data` into one gzip member (deflate `level` 0...9).
    public static func compress(_ data: Data, level: Int = 6) throws -> Data {
        guard (0...9).contains(level) else {
            throw RDAIOError(.invalidArgument, subject: "gzip", problem: "compression level \(level) is out of range",
                             fix: "use a level from 0 (none) to 9 (best)")
        }
        return try Zlib.deflate(data, format: .gzip, level: Int32(level))
    }

    static func error(_ failure: Zlib.InflateFailure, source: String, compressedSize: Int, limitReason: String = "") -> RDAIOError {
        switch failure {
        case .truncated(let produced):
            return RDAIOError(.truncated, subject: source,
                              problem: "truncated gzip data: the stream ends early (\(compressedSize) compressed bytes gave \(produced) bytes)",
                              fix: "re-download the file or check the copy")
        case .corrupt(let message):
            return RDAIOError(.corruptData, subject: source, problem: "corrupt gzip data (\(message))",
                              fix: "re-download the file or check the copy")
        case .trailingData(let offset, let count):
            return RDAIOError(.trailingData, subject: source,
                              problem: "\(count) bytes of garbage after the end of the gzip data at byte \(offset)",
                              fix: "re-download the file or check the copy")
        case .exceedsLimit(let limit):
            return RDAIOError(.sizeMismatch, subject: source,
                              problem: "gzip data decompresses to more than \(limit) bytes (\(limitReason)); stopped there",
                              fix: "re-download the file or check that it is the right one")
        case .outOfMemory:
            return RDAIOError(.notReadable, subject: source, problem: "out of memory while decompressing",
                              fix: "free some memory or decompress the file with gunzip first")
        }
    }
}
