import Foundation

/// Reading and validating `.rdac` files (see `CompressedFile` for the format).
extension CompressedFile {
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
        var method = CodingMethod.quantized, parameters: [UInt8] = []
        if version >= 3 {
            guard position < bytes.count else { throw short("the coding method") }
            guard let m = CodingMethod(rawValue: bytes[position]) else {
                throw fail(.futureVersion, "coding method \(bytes[position]) is not one this rda knows (\(CodingMethod.allCases.map { "\($0.rawValue) \($0)" }.joined(separator: ", ")))")
            }
            method = m
            position += 1
            let p = try varint("the method's parameter count")
            guard p <= UInt64(Self.maximumParameterBytes) else {
                throw fail(.invalidHeader, "invalid parameter count \(p) (at most \(Self.maximumParameterBytes))")
            }
            guard Int(p) <= bytes.count - position else { throw short("the method's \(p) parameter bytes") }
            parameters = Array(bytes[position..<(position + Int(p))])
            position += Int(p)
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
                throw fail(.corrupted, "checksum mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16)))")
            }
        }
        self.version = version
        self.method = method
        self.parameters = parameters
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
