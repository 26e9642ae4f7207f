import Foundation

/// The .rdac compressed file: a model's fingerprint, the example shape, and one independently
/// decodable record per example, protected by a CRC-32.
///
///     offset  size     field
///     0       4        magic "RDAC" (0x52 0x44 0x41 0x43)
///     4       1        format version, 1
///     5       32       model fingerprint (the caller's hash of the model's weights and tables)
///     37      1        rank r of the example shape, 1...8
///     38      varint*r the shape's dimensions (LEB128, each >= 1, product <= 2^31 - 1)
///     ...     varint   record count N (<= 2^31 - 1)
///     ...              N records, each: LEB128 payload length n, then n payload bytes
///     end-4   4        CRC-32 (zlib's) of every byte before it, little-endian
///
/// The payload of a record is the example's latent symbols, range coded with the model's
/// frequency tables (`RangeEncoder.encode(symbols:tables:)`). `headerBytes` counts offset 0
/// through the count; the container's cost per example is then its length prefix (one byte for
/// payloads under 128 bytes) plus the header and checksum shared by the file.
///
/// Reading validates everything before it allocates (a count or length the remaining bytes
/// cannot hold is refused) and throws one-line `RDACodingError`s: not an rda file, a future
/// version, truncated, trailing data, checksum mismatch, invalid header. The fingerprint is
/// compared by the caller with `check(fingerprint:)`.
public struct CompressedFile: Equatable, Sendable {
    public static let magic: [UInt8] = Array("RDAC".utf8)
    public static let currentVersion: UInt8 = 1
    public static let fingerprintLength = 32
    public static let maximumRank = 8
    /// Largest record count, and largest product of the shape's dimensions.
    public static let maximumCount = Int(Int32.max)
    public static let checksumBytes = 4

    /// The model's fingerprint, `fingerprintLength` bytes.
    public let fingerprint: [UInt8]
    /// The shape of one example, e.g. [1, 28, 28] or [5].
    public let shape: [Int]
    /// The whole file.
    public let bytes: [UInt8]
    /// Where each record's payload lies in `bytes`.
    private let recordRanges: [Range<Int>]
    /// Bytes from the magic through the record count.
    public let headerBytes: Int

    /// Number of records (examples).
    public var count: Int { recordRanges.count }
    /// The payload of record `i`, without touching the others.
    public func record(_ i: Int) -> [UInt8] {
        precondition(recordRanges.indices.contains(i), "record(\(i)): the file has \(count) records")
        return Array(bytes[recordRanges[i]])
    }
    /// Every record's payload, in order.
    public var records: [[UInt8]] { recordRanges.map { Array(bytes[$0]) } }
    /// Size of the whole file in bytes.
    public var fileBytes: Int { bytes.count }
    /// Sum of the payloads' sizes in bits (8 * bytes): the coded latents alone.
    public var payloadBits: Int { recordRanges.reduce(0) { $0 + $1.count } * 8 }
    /// Bytes that are not payload: header, length prefixes and checksum.
    public var containerBytes: Int { fileBytes - payloadBits / 8 }

    // MARK: Writing

    /// A file holding `records` (the payloads, in order).
    /// - Throws: `RDACodingError.invalidArgument` for a fingerprint of the wrong length, an empty
    ///   or oversized shape, or too many records.
    public init(fingerprint: [UInt8], shape: [Int], records: [[UInt8]]) throws {
        try Self.validate(fingerprint: fingerprint, shape: shape, count: records.count)
        var out: [UInt8] = Self.magic
        out.append(Self.currentVersion)
        out += fingerprint
        out.append(UInt8(shape.count))
        for d in shape { LEB128.append(UInt64(d), to: &out) }
        LEB128.append(UInt64(records.count), to: &out)
        let header = out.count
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(records.count)
        for payload in records {
            LEB128.append(UInt64(payload.count), to: &out)
            ranges.append(out.count..<(out.count + payload.count))
            out += payload
        }
        let crc = CRC32.checksum(out)
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(8 * i))) }
        self.fingerprint = fingerprint
        self.shape = shape
        self.bytes = out
        self.recordRanges = ranges
        self.headerBytes = header
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
            throw RDACodingError(.invalidArgument, "\(count) records are more than a file holds (\(maximumCount)); split them into several files")
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
        let declared = try varint("the record count")
        let header = position
        // Each record takes at least its one-byte length prefix.
        let room = bytes.count - position - Self.checksumBytes
        guard declared <= UInt64(max(0, room)) else {
            if declared > UInt64(Self.maximumCount) {
                throw fail(.invalidHeader, "invalid record count \(declared) (at most \(Self.maximumCount))")
            }
            throw short("the \(declared) records the header announces")
        }
        let count = Int(declared)

        // Records.
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(count)
        for i in 0..<count {
            let length = try varint("record \(i)'s length")
            guard length <= UInt64(bytes.count - position) else { throw short("record \(i) (\(length) bytes)") }
            ranges.append(position..<(position + Int(length)))
            position += Int(length)
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
                throw fail(.corrupted, "checksum mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))): the file is corrupted")
            }
        }
        self.fingerprint = fingerprint
        self.shape = shape
        self.bytes = bytes
        self.recordRanges = ranges
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
