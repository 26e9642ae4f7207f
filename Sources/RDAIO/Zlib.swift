import CZlib
import Foundation

/// Internal wrappers around the zlib C library: streaming inflate/deflate, crc32.
///
/// The zlib convenience macros (`inflateInit2`, `deflateInit2`) are not importable into Swift,
/// so the underlying `..._` functions are called with the library version and `z_stream` size.
enum Zlib {
    /// Container around a deflate stream.
    enum Format {
        /// RFC 1950 zlib wrapper (as inside PNG IDAT chunks).
        case zlib
        /// RFC 1952 gzip wrapper.
        case gzip

        var windowBits: Int32 {
            switch self {
            case .zlib: return 15
            case .gzip: return 15 + 16
            }
        }
    }

    /// Why inflating failed; callers turn this into an `RDAIOError` naming their file.
    enum InflateFailure: Error {
        /// Input ended before the end of the compressed stream.
        case truncated(produced: Int)
        /// zlib reported damaged data (its message, if any).
        case corrupt(String)
        /// Non-stream bytes follow the last complete stream.
        case trailingData(offset: Int, count: Int)
        /// zlib could not allocate memory.
        case outOfMemory
        /// The output would exceed the `limit` given to `inflate`.
        case exceedsLimit(Int)
    }

    /// Inflates `input`. With `.gzip`, concatenated gzip members are decoded one after another
    /// and zero padding after the last member is ignored.
    ///
    /// The output is produced in a growing buffer that never exceeds `limit` bytes: output
    /// beyond it throws `.exceedsLimit` as soon as it appears, or, with `prefixOnly`, ends the
    /// inflation and returns the first `limit` bytes (a header read before anything else).
    static func inflate(_ input: Data, format: Format, sizeHint: Int = 0, limit: Int = Int.max, prefixOnly: Bool = false) throws -> Data {
        precondition(limit >= 0, "Zlib.inflate: negative limit")
        // The buffer may hold one byte past the limit, so that exceeding it is seen.
        let cap = prefixOnly || limit == Int.max ? limit : limit + 1
        var stream = z_stream()
        let initResult = inflateInit2_(&stream, format.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initResult == Z_OK else {
            if initResult == Z_MEM_ERROR { throw InflateFailure.outOfMemory }
            throw InflateFailure.corrupt("zlib inflateInit2 failed with code \(initResult)")
        }
        defer { inflateEnd(&stream) }

        let totalIn = input.count
        var output = Data(count: min(cap, max(sizeHint + 1, min(max(totalIn * 4, 1 << 12), 1 << 28))))
        var produced = 0
        var consumed = 0

        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let inBase = raw.baseAddress?.assumingMemoryBound(to: Bytef.self) else {
                throw InflateFailure.truncated(produced: 0)
            }
            while true {
                // Feed at most 1 GiB at a time (avail_in is 32-bit).
                if stream.avail_in == 0 && consumed < totalIn {
                    let chunk = min(totalIn - consumed, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
                    stream.avail_in = uInt(chunk)
                    consumed += chunk
                }
                if produced >= limit && (prefixOnly || produced > limit) {
                    if prefixOnly { return }
                    throw InflateFailure.exceedsLimit(limit)
                }
                if produced == output.count {
                    output.count = min(cap, output.count < (1 << 30) ? output.count * 2 : output.count + (1 << 30))
                }
                let room = min(output.count - produced, 1 << 30)
                let result: Int32 = output.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) -> Int32 in
                    stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                    stream.avail_out = uInt(room)
                    let code = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return code
                }
                switch result {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    let used = consumed - Int(stream.avail_in)
                    let rest = UnsafeRawBufferPointer(rebasing: raw[used...])
                    if rest.isEmpty { return }
                    if format == .gzip, rest.count >= 2, rest[0] == 0x1f, rest[1] == 0x8b {
                        // Another gzip member follows.
                        guard CZlib.inflateReset(&stream) == Z_OK else {
                            throw InflateFailure.corrupt("zlib inflateReset failed")
                        }
                        stream.next_in = UnsafeMutablePointer(mutating: inBase + used)
                        stream.avail_in = uInt(min(totalIn - used, 1 << 30))
                        consumed = used + Int(stream.avail_in)
                        continue
                    }
                    if format == .gzip, rest.allSatisfy({ $0 == 0 }) { return }
                    throw InflateFailure.trailingData(offset: used, count: rest.count)
                case Z_BUF_ERROR:
                    // No progress possible: either out of input (truncated) or out of room.
                    if stream.avail_in == 0 && consumed == totalIn {
                        throw InflateFailure.truncated(produced: produced)
                    }
                    continue
                case Z_MEM_ERROR:
                    throw InflateFailure.outOfMemory
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error code \(result)"
                    throw InflateFailure.corrupt(message)
                }
            }
        }
        // The stream may end exactly when the buffer (one byte past the limit) is full.
        if !prefixOnly && produced > limit { throw InflateFailure.exceedsLimit(limit) }
        output.count = produced
        return output
    }

    /// Deflates `input` into one zlib or gzip stream.
    static func deflate(_ input: Data, format: Format, level: Int32 = 6) throws -> Data {
        var stream = z_stream()
        let initResult = deflateInit2_(&stream, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY,
                                       ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initResult == Z_OK else {
            throw RDAIOError(.invalidArgument, subject: "zlib",
                             problem: "deflateInit2 failed with code \(initResult) (level \(level))",
                             fix: "use a compression level from 0 to 9")
        }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var produced = 0
        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let inBase = raw.baseAddress?.assumingMemoryBound(to: Bytef.self)
            var offset = 0
            while true {
                if stream.avail_in == 0 && offset < raw.count, let inBase {
                    let chunk = min(raw.count - offset, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: inBase + offset)
                    stream.avail_in = uInt(chunk)
                    offset += chunk
                }
                if produced == output.count { output.count += max(output.count, 1 << 16) }
                let room = min(output.count - produced, 1 << 30)
                let flush = (offset == raw.count) ? Z_FINISH : Z_NO_FLUSH
                let result: Int32 = output.withUnsafeMutableBytes { out in
                    stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                    stream.avail_out = uInt(room)
                    let code = CZlib.deflate(&stream, flush)
                    produced += room - Int(stream.avail_out)
                    return code
                }
                if result == Z_STREAM_END { return }
                if result != Z_OK && result != Z_BUF_ERROR {
                    throw RDAIOError(.invalidArgument, subject: "zlib", problem: "deflate failed with code \(result)",
                                     fix: "this is a bug in RDAIO; please report it")
                }
            }
        }
        output.count = produced
        return output
    }

    /// CRC-32 (as used by PNG and gzip) of `bytes`, continuing from `crc`.
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var value = uLong(crc)
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return crc }
        var remaining = bytes.count
        while remaining > 0 {
            let chunk = min(remaining, 1 << 30)
            value = CZlib.crc32(value, base, uInt(chunk))
            base += chunk
            remaining -= chunk
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
