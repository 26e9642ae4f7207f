import Foundation

/// The .rdac compressed file: a model's fingerprint, the example shape, and one independently
/// decodable record per example, protected by a CRC-32.
///
/// Version 2 (written): records are bit strings, packed back to back after a table of their
/// lengths in bits.
///
///     offset  size     field
///     0       4        magic "RDAC" (0x52 0x44 0x41 0x43)
///     4       1        format version, 2
///     5       32       model fingerprint (the caller's hash of the model's weights and tables)
///     37      1        rank r of the example shape, 1...8
///     38      varint*r the shape's dimensions (LEB128, each >= 1, product <= 2^31 - 1)
///     ...     varint   example count N (<= 2^31 - 1)
///     ...     varint   examples per record E (>= 1); R = ceil(N / E) records, the last may hold fewer
///     ...     varint   base length B in bits (the writer's median record length)
///     ...     varint*R each record's length n_i in bits, as zigzag(n_i - B)
///     ...     ceil(sum n_i / 8)  the records' bits, back to back, most significant bit of each
///                      byte first; the last byte is padded with 0 bits
///     end-4   4        CRC-32 (zlib's) of every byte before it, little-endian
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
    public static let currentVersion: UInt8 = 2
    public static let fingerprintLength = 32
    public static let maximumRank = 8
    /// Largest example count, and largest product of the shape's dimensions.
    public static let maximumCount = Int(Int32.max)
    /// Largest record, in bits (2^31 - 1: far above any model's message).
    public static let maximumRecordBits = Int(Int32.max)
    public static let checksumBytes = 4

    /// The format version of the file (`currentVersion` for files written by this rda).
    public let version: UInt8
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
    private let recordBits: [Range<Int>]
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

    /// A version-2 file holding `records` (the payloads, in order), each coding
    /// `examplesPerRecord` examples except the last, which codes the rest of `count` (default:
    /// every record full). Each record is stored up to its last 1 bit: trailing 0 bits (and
    /// bytes) are not stored and read back as 0.
    /// - Throws: `RDACodingError.invalidArgument` for a fingerprint of the wrong length, an empty
    ///   or oversized shape, too many examples, or a record count that is not ceil(count / E).
    public init(fingerprint: [UInt8], shape: [Int], records: [[UInt8]], examplesPerRecord: Int = 1, count: Int? = nil) throws {
        let count = count ?? records.count * examplesPerRecord
        guard (1...Self.maximumCount).contains(examplesPerRecord) else {
            throw RDACodingError(.invalidArgument, "\(examplesPerRecord) examples per record: give 1...\(Self.maximumCount)")
        }
        try Self.validate(fingerprint: fingerprint, shape: shape, count: count)
        guard records.count == (count + examplesPerRecord - 1) / examplesPerRecord else {
            throw RDACodingError(.invalidArgument, "\(records.count) records cannot hold \(count) examples at \(examplesPerRecord) per record")
        }
        let lengths = records.map(Self.significantBits)
        guard (lengths.max() ?? 0) <= Self.maximumRecordBits else {
            throw RDACodingError(.invalidArgument, "a record of more than \(Self.maximumRecordBits) bits cannot be stored")
        }
        var out: [UInt8] = Self.magic
        out.append(Self.currentVersion)
        out += fingerprint
        out.append(UInt8(shape.count))
        for d in shape { LEB128.append(UInt64(d), to: &out) }
        LEB128.append(UInt64(count), to: &out)
        let header = out.count
        LEB128.append(UInt64(examplesPerRecord), to: &out)
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
        self.version = Self.currentVersion
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

    /// Writes the file at `path` (through a temporary file and a rename).
    public func write(toFile path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RDACodingError(.invalidArgument, "\(path): cannot write (\(error.localizedDescription)); check the folder exists and is writable")
        }
    }

    // MARK: Reading

    /// The file at `path`, validated (see `init(bytes:verifyChecksum:)`); errors name the path.
    public init(contentsOfFile path: String, verifyChecksum: Bool = true) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RDACodingError(.invalidArgument, "\(path): cannot read (\(error.localizedDescription)); check the path")
        }
        do {
            try self.init(bytes: [UInt8](data), verifyChecksum: verifyChecksum)
        } catch let error as RDACodingError {
            throw error.about(path)
        }
    }

    /// Parses and validates a whole file. Payloads are located, not decoded.
    ///
    /// With `verifyChecksum` false the CRC is not compared (for tests of damaged files): the
    /// structure is still validated, so records stay within the given bytes.
    public init(bytes: [UInt8], verifyChecksum: Bool = true) throws {
        func fail(_ kind: RDACodingError.Kind, _ problem: String) -> RDACodingError {
            let fix: String
            switch kind {
            case .badMagic: fix = "pass a file written by `rda compress`"
            case .futureVersion: fix = "decompress it with a newer rda"
            case .wrongModel, .invalidTable, .invalidStream, .invalidArgument: fix = "check the file"
            case .truncated, .trailingData, .corrupted, .invalidHeader: fix = "the file is damaged; copy or compress it again"
            }
            return RDACodingError(kind, "\(problem); \(fix)")
        }
        // The last 4 bytes are a valid CRC of the rest: the bytes are as written, so a structural
        // problem is the writer's, not a truncation.
        func checksumAtEnd() -> Bool {
            guard bytes.count >= Self.checksumBytes else { return false }
            let end = bytes.count - Self.checksumBytes
            return CRC32.checksum(bytes[..<end]) == Self.readUInt32(bytes, at: end)
        }
        func short(_ what: String) -> RDACodingError {
            if verifyChecksum && checksumAtEnd() {
                return fail(.corrupted, "inconsistent file: \(what) runs past the end although the checksum matches")
            }
            return fail(.truncated, "truncated: the file ends (\(bytes.count) bytes) inside \(what)")
        }

        // Magic and version.
        guard bytes.count >= Self.magic.count else {
            if Array(Self.magic.prefix(bytes.count)) == bytes {
                throw fail(.truncated, "truncated: \(bytes.count) bytes, too short for an rda compressed file")
            }
            throw fail(.badMagic, "not an rda compressed file (it does not start with \"RDAC\")")
        }
        guard Array(bytes[0..<4]) == Self.magic else {
            let shown = bytes[0..<4].map { String($0, radix: 16, uppercase: false) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            throw fail(.badMagic, "not an rda compressed file (starts with 0x\(shown), expected \"RDAC\")")
        }
        guard bytes.count > 4 else { throw short("the format version") }
        let version = bytes[4]
        guard version != 0 else { throw fail(.invalidHeader, "invalid format version 0") }
        guard version <= Self.currentVersion else {
            throw fail(.futureVersion, "format version \(version) is newer than this rda reads (version \(Self.currentVersion))")
        }
        var position = 5
        guard bytes.count >= position + Self.fingerprintLength else { throw short("the model fingerprint") }
        let fingerprint = Array(bytes[position..<(position + Self.fingerprintLength)])
        position += Self.fingerprintLength

        // Shape and count.
        guard position < bytes.count else { throw short("the example shape") }
        let rank = Int(bytes[position])
        position += 1
        guard (1...Self.maximumRank).contains(rank) else {
            throw fail(.invalidHeader, "invalid example shape: rank \(rank) (1...\(Self.maximumRank) expected)")
        }
        func varint(_ what: String) throws -> UInt64 {
            switch LEB128.read(bytes, at: position) {
            case .value(let v, let next): position = next; return v
            case .truncated: throw short(what)
            case .malformed: throw fail(.corrupted, "corrupted: malformed number in \(what)")
            }
        }
        var shape: [Int] = []
        var size: UInt64 = 1
        for axis in 0..<rank {
            let d = try varint("the example shape")
            size = d == 0 ? 0 : size.multipliedReportingOverflow(by: d).overflow ? .max : size * d
            guard d >= 1, size <= UInt64(Self.maximumCount) else {
                throw fail(.invalidHeader, "invalid example shape: dimension \(axis) is \(d) (each >= 1, at most \(Self.maximumCount) values in all)")
            }
            shape.append(Int(d))
        }
        let declared = try varint("the example count")
        let header = position
        guard declared <= UInt64(Self.maximumCount) else {
            throw fail(.invalidHeader, "invalid example count \(declared) (at most \(Self.maximumCount))")
        }
        var perRecord: UInt64 = 1
        if version >= 2 {
            perRecord = try varint("the examples per record")
            guard (1...UInt64(Self.maximumCount)).contains(perRecord) else {
                throw fail(.invalidHeader, "invalid examples per record \(perRecord) (1...\(Self.maximumCount))")
            }
        }
        let count = (Int(declared) + Int(perRecord) - 1) / Int(perRecord)   // records
        // Each record takes at least its one-byte length prefix.
        let room = bytes.count - position - Self.checksumBytes
        guard count <= max(0, room) else {
            throw short("the \(count) records the header announces")
        }

        // Records.
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(count)
        if version == 1 {
            for i in 0..<count {
                let length = try varint("record \(i)'s length")
                guard length <= UInt64(bytes.count - position) else { throw short("record \(i) (\(length) bytes)") }
                ranges.append((8 * position)..<(8 * (position + Int(length))))
                position += Int(length)
            }
        } else {
            let base = try varint("the base record length")
            guard base <= UInt64(Self.maximumRecordBits) else {
                throw fail(.invalidHeader, "invalid base record length \(base) bits (at most \(Self.maximumRecordBits))")
            }
            var lengths: [Int] = []
            lengths.reserveCapacity(count)
            var total = 0
            for i in 0..<count {
                let code = try varint("record \(i)'s length")
                let n = code > UInt64(2 * Self.maximumRecordBits + 1) ? -1 : Int(base) + Self.unzigzag(code)
                guard (0...Self.maximumRecordBits).contains(n) else {
                    throw fail(.corrupted, "corrupted: record \(i)'s length is not 0...\(Self.maximumRecordBits) bits")
                }
                // The bits must fit in what is left before the checksum.
                guard total + n <= 8 * (bytes.count - position) else {
                    throw short("record \(i) (\(n) bits)")
                }
                lengths.append(n)
                total += n
            }
            var bit = 8 * position
            for n in lengths { ranges.append(bit..<(bit + n)); bit += n }
            let payloadBytes = (total + 7) / 8
            guard payloadBytes <= bytes.count - position else { throw short("the records' \(total) bits") }
            if total & 7 != 0 && bytes[position + payloadBytes - 1] & UInt8(0xFF >> (total & 7)) != 0 {
                throw fail(.corrupted, "corrupted: the padding after the last record is not zero")
            }
            position += payloadBytes
        }

        // Checksum, and nothing after it.
        let left = bytes.count - position
        guard left >= Self.checksumBytes else { throw short("the checksum") }
        if left > Self.checksumBytes {
            if CRC32.checksum(bytes[..<position]) == Self.readUInt32(bytes, at: position) {
                throw fail(.trailingData, "\(left - Self.checksumBytes) bytes of trailing data after the end of the file (byte \(position + Self.checksumBytes))")
            }
            if verifyChecksum {
                throw fail(.corrupted, "corrupted: the records end \(left - Self.checksumBytes) bytes before the checksum")
            }
        }
        if verifyChecksum {
            let stored = Self.readUInt32(bytes, at: bytes.count - Self.checksumBytes)
            let computed = CRC32.checksum(bytes[..<(bytes.count - Self.checksumBytes)])
            guard stored == computed else {
                throw fail(.corrupted, "checksum mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))))")
            }
        }
        self.version = version
        self.examplesPerRecord = Int(perRecord)
        self.count = Int(declared)
        self.fingerprint = fingerprint
        self.shape = shape
        self.bytes = bytes
        self.recordBits = ranges
        self.headerBytes = header
    }

    /// Throws `RDACodingError.wrongModel` unless the file was made with the model whose
    /// fingerprint is `fingerprint`.
    public func check(fingerprint expected: [UInt8]) throws {
        guard fingerprint == expected else {
            throw RDACodingError(.wrongModel, "the file was made with another model (fingerprint \(Self.hex(fingerprint.prefix(8)))..., this model's is \(Self.hex(expected.prefix(8)))...); decompress it with the model that compressed it")
        }
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func readUInt32(_ bytes: [UInt8], at i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }
}
