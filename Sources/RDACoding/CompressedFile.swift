import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The .rdac compressed file: a model's fingerprint, the example shape, and one independently
/// decodable record per example, protected by a CRC-32.
///
/// Version 2 (written for the quantized channel's files): records are bit strings, packed back to
/// back after a table of their lengths in bits.
///
///     offset  size     field
///     0       4        magic "RDAC" (0x52 0x44 0x41 0x43)
///     4       1        format version, 2
///     5       32       model fingerprint (the caller's hash of the model's weights and tables)
///     37      1        rank r of the example shape, 1...8
///     38      varint*r the shape's dimensions (LEB128, each >= 1, product <= 2^31 - 1)
///     ...     varint   example count N (<= 2^31 - 1)
///     ...     varint   examples per record E (>= 1); R = ceil(N / E) records, the last may hold fewer
///     (version 3 only: the coding method and its parameters)
///     ...     1        method (`CodingMethod`: 0 quantized, 1 bits-back, 2 channel simulation)
///     ...     varint   P, the parameter bytes (<= `maximumParameterBytes`)
///     ...     P        the method's parameters (its own format: bucket counts, seeds, precisions)
///     ...     varint   base length B in bits (the writer's median record length)
///     ...     varint*R each record's length n_i in bits, as zigzag(n_i - B)
///     ...     ceil(sum n_i / 8)  the records' bits, back to back, most significant bit of each
///                      byte first; the last byte is padded with 0 bits
///     end-4   4        CRC-32 (zlib's) of every byte before it, little-endian
///
/// Version 3 (written for every method but the quantized one) is version 2 with the method and
/// its parameters after E. A version-2 file is a quantized one with no parameters, so a quantized
/// file is byte-identical to what earlier rda wrote.
///
/// Version 1 (still read): after the count, N records of one example each, made of a LEB128
/// length n in bytes and n payload bytes; then the CRC.
///
/// A record is the latent symbols of its examples (example after example), range coded (`RangeEncoder`) with the model's
/// frequency tables; version 2 codes them with the tables' `modeFirst` order, version 1 with the
/// stored order. The range decoder reads the bits after a message's end as 0, so a record is
/// stored up to its last 1 bit (`RangeEncoder.significantBits(of:)`): `payloadBits` is then
/// what the coder actually needs, with no rounding to bytes. A record is read back as
/// ceil(n / 8) bytes whose bits after the n-th are 0. Finding record i takes the lengths of the
/// records before it, not their bits.
///
/// Reading validates everything before it allocates (a count or length the remaining bytes
/// cannot hold is refused) and throws one-line `RDACodingError`s: not an rda file, a future
/// version, truncated, trailing data, checksum mismatch, invalid header. The fingerprint is
/// compared by the caller with `check(fingerprint:)`.
public struct CompressedFile: Equatable, Sendable {
    public static let magic: [UInt8] = Array("RDAC".utf8)
    /// The newest version this rda reads and writes.
    public static let currentVersion: UInt8 = 3
    /// Largest method parameter block, in bytes.
    public static let maximumParameterBytes = 4096
    public static let fingerprintLength = 32
    public static let maximumRank = 8
    /// Largest example count, and largest product of the shape's dimensions.
    public static let maximumCount = Int(Int32.max)
    /// Largest record, in bits (2^31 - 1: far above any model's message).
    public static let maximumRecordBits = Int(Int32.max)
    public static let checksumBytes = 4

    /// The format version of the file: 2 for quantized files written by this rda, 3 for the
    /// other methods.
    public let version: UInt8
    /// How the records code their examples.
    public let method: CodingMethod
    /// The method's parameters (empty for the quantized method).
    public let parameters: [UInt8]
    /// Examples coded together in one record (the last record may hold fewer); 1 in version 1.
    public let examplesPerRecord: Int
    /// Number of examples.
    public let count: Int
    /// The model's fingerprint, `fingerprintLength` bytes.
    public let fingerprint: [UInt8]
    /// The shape of one example, e.g. [1, 28, 28] or [5].
    public let shape: [Int]
    /// The whole file.
    public let bytes: [UInt8]
    /// Where each record lies in `bytes`, in bits from the start of the file.
    let recordBits: [Range<Int>]
    /// Bytes from the magic through the example count.
    public let headerBytes: Int

    /// Number of records, ceil(count / examplesPerRecord).
    public var recordCount: Int { recordBits.count }
    /// How many examples record `i` holds.
    public func examples(inRecord i: Int) -> Int { Swift.min(examplesPerRecord, count - i * examplesPerRecord) }
    /// The payload of record `i`, without touching the others: ceil(n / 8) bytes for its n bits,
    /// the bits after the n-th 0.
    public func record(_ i: Int) -> [UInt8] {
        precondition(recordBits.indices.contains(i), "record(\(i)): the file has \(recordCount) records")
        return Self.extract(bytes, bits: recordBits[i])
    }
    /// Every record's payload, in order.
    public var records: [[UInt8]] { (0..<recordCount).map(record) }
    /// Length of record `i` in bits.
    public func recordBitCount(_ i: Int) -> Int { recordBits[i].count }
    /// Size of the whole file in bytes.
    public var fileBytes: Int { bytes.count }
    /// Sum of the records' lengths in bits: the coded latents alone.
    public var payloadBits: Int { recordBits.reduce(0) { $0 + $1.count } }
    /// Bits that are not payload: header, record lengths, padding and checksum.
    public var containerBits: Int { 8 * fileBytes - payloadBits }

    /// The bits `bits` of `bytes` (most significant first) as ceil(count / 8) bytes, 0-padded.
    static func extract(_ bytes: [UInt8], bits: Range<Int>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        let shift = bits.lowerBound & 7, first = bits.lowerBound >> 3
        for j in out.indices {
            let hi = UInt16(bytes[first + j]) << 8
            let lo = first + j + 1 < bytes.count ? UInt16(bytes[first + j + 1]) : 0
            out[j] = UInt8(truncatingIfNeeded: (hi | lo) >> UInt16(8 - shift))
        }
        let tail = bits.count & 7
        if tail != 0 { out[out.count - 1] &= ~UInt8(0xFF >> tail) }
        return out
    }

    /// ZigZag: 0, -1, 1, -2, ... to 0, 1, 2, 3, ...
    static func zigzag(_ v: Int) -> UInt64 { v >= 0 ? UInt64(v) << 1 : (UInt64(-(v + 1)) << 1) | 1 }
    static func unzigzag(_ u: UInt64) -> Int { u & 1 == 0 ? Int(u >> 1) : -Int(u >> 1) - 1 }

    // MARK: Writing

    /// A file holding `records` (the payloads, in order), each coding `examplesPerRecord`
    /// examples except the last, which codes the rest of `count` (default: every record full),
    /// by `method` with its `parameters`: version 2 for a quantized file without parameters,
    /// version 3 otherwise. Each record is stored up to its last 1 bit: trailing 0 bits (and
    /// bytes) are not stored and read back as 0.
    /// - Throws: `RDACodingError.invalidArgument` for a fingerprint of the wrong length, an empty
    ///   or oversized shape, too many examples, a record count that is not ceil(count / E), or
    ///   more than `maximumParameterBytes` parameters.
    public init(fingerprint: [UInt8], shape: [Int], records: [[UInt8]], examplesPerRecord: Int = 1, count: Int? = nil,
                method: CodingMethod = .quantized, parameters: [UInt8] = []) throws {
        let count = count ?? records.count * examplesPerRecord
        guard (1...Self.maximumCount).contains(examplesPerRecord) else {
            throw RDACodingError(.invalidArgument, "\(examplesPerRecord) examples per record: give 1...\(Self.maximumCount)")
        }
        guard parameters.count <= Self.maximumParameterBytes else {
            throw RDACodingError(.invalidArgument, "\(parameters.count) parameter bytes: a file holds at most \(Self.maximumParameterBytes)")
        }
        let version: UInt8 = method == .quantized && parameters.isEmpty ? 2 : 3
        try Self.validate(fingerprint: fingerprint, shape: shape, count: count)
        guard records.count == (count + examplesPerRecord - 1) / examplesPerRecord else {
            throw RDACodingError(.invalidArgument, "\(records.count) records cannot hold \(count) examples at \(examplesPerRecord) per record")
        }
        let lengths = records.map(Self.significantBits)
        guard (lengths.max() ?? 0) <= Self.maximumRecordBits else {
            throw RDACodingError(.invalidArgument, "a record of more than \(Self.maximumRecordBits) bits cannot be stored")
        }
        var out: [UInt8] = Self.magic
        out.append(version)
        out += fingerprint
        out.append(UInt8(shape.count))
        for d in shape { LEB128.append(UInt64(d), to: &out) }
        LEB128.append(UInt64(count), to: &out)
        let header = out.count
        LEB128.append(UInt64(examplesPerRecord), to: &out)
        if version >= 3 {
            out.append(method.rawValue)
            LEB128.append(UInt64(parameters.count), to: &out)
            out += parameters
        }
        let base = lengths.isEmpty ? 0 : lengths.sorted()[lengths.count / 2]
        LEB128.append(UInt64(base), to: &out)
        for n in lengths { LEB128.append(Self.zigzag(n - base), to: &out) }
        // The records' bits, back to back.
        let start = 8 * out.count
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(records.count)
        var writer = BitWriter(bytes: out)
        for (payload, n) in zip(records, lengths) {
            ranges.append(writer.bitCount..<(writer.bitCount + n))
            writer.append(payload, bits: n)
        }
        precondition(ranges.first.map { $0.lowerBound == start } ?? true)
        out = writer.bytes
        let crc = CRC32.checksum(out)
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(8 * i))) }
        self.version = version
        self.method = method
        self.parameters = parameters
        self.examplesPerRecord = examplesPerRecord
        self.count = count
        self.fingerprint = fingerprint
        self.shape = shape
        self.bytes = out
        self.recordBits = ranges
        self.headerBytes = header
    }

    /// Bits up to and including the last 1 bit of `payload` (0 when it is all zeros).
    static func significantBits(_ payload: [UInt8]) -> Int {
        guard let last = payload.lastIndex(where: { $0 != 0 }) else { return 0 }
        return 8 * last + 8 - payload[last].trailingZeroBitCount
    }

    /// Appends bit strings to a byte array, most significant bit first.
    struct BitWriter {
        private(set) var bytes: [UInt8]
        private(set) var bitCount: Int
        init(bytes: [UInt8]) { self.bytes = bytes; self.bitCount = 8 * bytes.count }
        /// Appends the first `bits` bits of `payload`, a byte at a time: each payload byte (its
        /// last one cut to the bits that remain) fills the free low bits of the last byte, and the
        /// bits that do not fit start a new one.
        mutating func append(_ payload: [UInt8], bits: Int) {
            precondition(bits >= 0 && bits <= 8 * payload.count, "BitWriter: \(bits) bits from \(payload.count) bytes")
            let used = bitCount & 7   // bits already in the last byte; the same for every byte below
            var remaining = bits, i = 0
            while remaining > 0 {
                let take = Swift.min(8, remaining)
                let byte = take == 8 ? payload[i] : payload[i] & ~UInt8(0xFF >> take)
                if used == 0 {
                    bytes.append(byte)
                } else {
                    bytes[bytes.count - 1] |= byte >> UInt8(used)
                    if take > 8 - used { bytes.append(byte << UInt8(8 - used)) }
                }
                bitCount += take; remaining -= take; i += 1
            }
        }
    }

    private static func validate(fingerprint: [UInt8], shape: [Int], count: Int) throws {
        guard fingerprint.count == fingerprintLength else {
            throw RDACodingError(.invalidArgument, "model fingerprint has \(fingerprint.count) bytes, the format needs \(fingerprintLength) (e.g. a SHA-256)")
        }
        guard (1...maximumRank).contains(shape.count), shape.allSatisfy({ $0 >= 1 }),
              shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) <= maximumCount else {
            throw RDACodingError(.invalidArgument, "example shape \(shape) cannot be stored: it needs 1...\(maximumRank) dimensions, each >= 1, at most \(maximumCount) values")
        }
        guard count <= maximumCount else {
            throw RDACodingError(.invalidArgument, "\(count) examples are more than a file holds (\(maximumCount)); split them into several files")
        }
    }

    /// Writes the file at `path` (through a temporary file and a rename; a character device or
    /// a FIFO such as `/dev/null` is written in place, never replaced).
    public func write(toFile path: String) throws {
        do {
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFDIR {
                guard info.st_mode & S_IFMT == S_IFCHR || info.st_mode & S_IFMT == S_IFIFO, let handle = FileHandle(forWritingAtPath: path) else {
                    throw RDACodingError(.invalidArgument, "\(path): a special file rda cannot write; choose a regular file name")
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: Data(bytes))
                return
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch let error as RDACodingError {
            throw error
        } catch {
            throw RDACodingError(.invalidArgument, "\(path): cannot write (\(error.localizedDescription)); check the folder exists and is writable")
        }
    }
}
