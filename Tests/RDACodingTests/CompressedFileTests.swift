import RDAIO
import Foundation
import Testing
@testable import RDACoding

@Suite struct CompressedFileTests {
    let fingerprint = SHA256.hash(Array("model weights and tables".utf8))

    func sampleFile(records: Int = 5, seed: UInt64 = 1) throws -> CompressedFile {
        var rng = TestGenerator(seed: seed)
        let tables = (0..<32).map { _ in gaussianTable(scale: Double.random(in: 0.3...3, using: &rng)) }
        let payloads = (0..<records).map { i -> [UInt8] in
            i == 1 ? [] : RangeEncoder.encode(symbols: tables.map { draw($0.1, offset: $0.0.offset, using: &rng) }, tables: tables.map(\.0))
        }
        return try CompressedFile(fingerprint: fingerprint, shape: [1, 28, 28], records: payloads)
    }

    @Test func roundTripAndSizes() throws {
        var rng = TestGenerator(seed: 9)
        let tables = (0..<32).map { _ in gaussianTable(scale: Double.random(in: 0.3...3, using: &rng)) }
        let messages = (0..<40).map { _ in tables.map { draw($0.1, offset: $0.0.offset, using: &rng) } }
        let payloads = messages.map { RangeEncoder.encode(symbols: $0, tables: tables.map(\.0)) } + [[UInt8](repeating: 7, count: 300)]
        let file = try CompressedFile(fingerprint: fingerprint, shape: [1, 28, 28], records: payloads)
        let read = try CompressedFile(bytes: file.bytes)
        #expect(read == file)
        #expect(read.fingerprint == fingerprint && read.shape == [1, 28, 28] && read.count == payloads.count)
        #expect(read.records == payloads)
        for (i, m) in messages.enumerated() {
            #expect(try RangeDecoder.decode(bytes: read.record(i), tables: tables.map(\.0)) == m)
        }
        // Sizes: magic 4 + version 1 + fingerprint 32 + rank 1 + dims (1 + 1 + 1) + count 1.
        #expect(read.headerBytes == 4 + 1 + 32 + 1 + 3 + 1)
        let bits = payloads.map { RangeEncoder.significantBits(of: $0) }
        #expect(read.payloadBits == bits.reduce(0, +))
        #expect((0..<read.count).map(read.recordBitCount) == bits)
        let base = bits.sorted()[bits.count / 2]
        let lengths = 1 + LEB128.size(of: UInt64(base)) + bits.reduce(0) { $0 + LEB128.size(of: CompressedFile.zigzag($1 - base)) }
        #expect(read.fileBytes == read.headerBytes + lengths + (read.payloadBits + 7) / 8 + 4)
        #expect(read.containerBits == 8 * read.fileBytes - read.payloadBits)
        #expect(Array(read.bytes[0..<5]) == Array("RDAC".utf8) + [2])
        // An empty file (no records) and a 1-D shape.
        let empty = try CompressedFile(fingerprint: fingerprint, shape: [5], records: [])
        #expect(try CompressedFile(bytes: empty.bytes) == empty)
        #expect(empty.fileBytes == 4 + 1 + 32 + 1 + 1 + 1 + 1 + 1 + 4)
    }

    /// Records are bit strings up to their last 1 bit, packed back to back at any bit offset.
    @Test func recordsArePackedToTheBit() throws {
        #expect(CompressedFile.significantBits([]) == 0)
        #expect(CompressedFile.significantBits([0, 0]) == 0)
        #expect(CompressedFile.significantBits([0x80]) == 1)
        #expect(CompressedFile.significantBits([0x12, 0x40, 0]) == 10)
        for v in [-5, -1, 0, 1, 7, 1000] { #expect(CompressedFile.unzigzag(CompressedFile.zigzag(v)) == v) }
        #expect([0, -1, 1, -2, 2].map(CompressedFile.zigzag) == [0, 1, 2, 3, 4])
        // 1-bit, 3-bit and 10-bit records: 14 bits, 2 payload bytes.
        let file = try CompressedFile(fingerprint: fingerprint, shape: [2], records: [[0x80], [0xA0, 0x00], [0xFF, 0xC0]])
        #expect(file.payloadBits == 1 + 3 + 10)
        #expect(file.records == [[0x80], [0xA0], [0xFF, 0xC0]])
        let payload = Array(file.bytes[(file.bytes.count - 6)..<(file.bytes.count - 4)])
        #expect(payload == [0b1101_1111, 0b1111_1100])
    }

    /// The byte-at-a-time bit writer against the definition, bit by bit: every start offset,
    /// lengths that end inside and on a byte, and payload bits past the length (ignored).
    @Test func bitWriterMatchesBitByBitAppend() {
        var rng = TestGenerator(seed: 77)
        for start in 0..<8 {
            for bits in 0...40 {
                let prefix = (0..<((start + 7) / 8)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let payload = (0..<((bits + 7) / 8 + 1)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                // the prefix holds `start` bits; its unused low bits are 0, as the writer keeps them
                var head = prefix
                if start % 8 != 0 { head[head.count - 1] &= ~UInt8(0xFF >> (start % 8)) }
                var writer = CompressedFile.BitWriter(bytes: start % 8 == 0 ? head : Array(head.dropLast()))
                if start % 8 != 0 { writer.append([head.last!], bits: start % 8) }
                #expect(writer.bitCount == start)
                writer.append(payload, bits: bits)
                // the definition
                var expected = head, count = start
                for i in 0..<bits {
                    let bit = (payload[i >> 3] >> UInt8(7 - (i & 7))) & 1
                    if count & 7 == 0 { expected.append(0) }
                    expected[expected.count - 1] |= bit << UInt8(7 - (count & 7))
                    count += 1
                }
                #expect(writer.bytes == expected && writer.bitCount == start + bits, "start \(start), \(bits) bits")
            }
        }
    }

    /// Several examples to a record: ceil(N / E) records, the last holding the rest.
    @Test func examplesPerRecord() throws {
        let file = try CompressedFile(fingerprint: fingerprint, shape: [4], records: [[1], [2], [3]], examplesPerRecord: 5, count: 12)
        let read = try CompressedFile(bytes: file.bytes)
        #expect(read == file && read.count == 12 && read.recordCount == 3 && read.examplesPerRecord == 5)
        #expect((0..<3).map(read.examples(inRecord:)) == [5, 5, 2])
        expectCodingError(.invalidArgument, ["records cannot hold"]) { _ = try CompressedFile(fingerprint: fingerprint, shape: [4], records: [[1], [2]], examplesPerRecord: 5, count: 12) }
        expectCodingError(.invalidArgument, ["per record"]) { _ = try CompressedFile(fingerprint: fingerprint, shape: [4], records: [], examplesPerRecord: 0, count: 0) }
        // E = 0 in a file is refused
        var bad = file.bytes
        let at = 4 + 1 + 32 + 1 + 1 + 1
        #expect(bad[at] == 5)
        bad[at] = 0
        expectCodingError(.invalidHeader, ["examples per record"]) { _ = try CompressedFile(bytes: bad, verifyChecksum: false) }
    }

    /// Version-1 files (byte-aligned records with byte lengths) still read.
    @Test func versionOneFilesStillRead() throws {
        var b = CompressedFile.magic + [1] + fingerprint + [1]
        LEB128.append(5, to: &b)
        LEB128.append(3, to: &b)
        b += [2, 9, 0x10, 0, 1, 0xAB]
        let crc = CRC32.checksum(b)
        b += (0..<4).map { UInt8(truncatingIfNeeded: crc >> UInt32(8 * $0)) }
        let file = try CompressedFile(bytes: b)
        #expect(file.version == 1 && file.count == 3)
        #expect(file.records == [[9, 0x10], [], [0xAB]] && file.payloadBits == 24)
    }

    @Test func fileOnDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rdac-\(UUID().uuidString).rdac").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try sampleFile()
        try file.write(toFile: path)
        #expect(try CompressedFile(contentsOfFile: path) == file)
        try Data(file.bytes.dropLast()).write(to: URL(fileURLWithPath: path))
        let error = expectCodingError(.truncated, ["truncated"]) { _ = try CompressedFile(contentsOfFile: path) }
        #expect(error?.message.hasPrefix(path + ": ") == true)
        expectCodingError(.invalidArgument, ["cannot read"]) { _ = try CompressedFile(contentsOfFile: path + ".missing") }
        expectCodingError(.invalidArgument, ["cannot write"]) { try file.write(toFile: "/nonexistent-folder/x.rdac") }
    }

    /// Record i is located without decoding the others: its payload is the i-th written.
    @Test func readingOneRecord() throws {
        var rng = TestGenerator(seed: 10)
        let payloads = (0..<200).map { _ in (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let file = try CompressedFile(bytes: try CompressedFile(fingerprint: fingerprint, shape: [3, 4], records: payloads).bytes)
        // A record comes back up to its last 1 bit: without trailing zero bytes.
        func trimmed(_ p: [UInt8]) -> [UInt8] { Array(p[..<((p.lastIndex(where: { $0 != 0 }) ?? -1) + 1)]) }
        for i in [0, 1, 57, 128, 199] { #expect(file.record(i) == trimmed(payloads[i])) }
    }

    @Test func fingerprintCheck() throws {
        let file = try sampleFile()
        try file.check(fingerprint: fingerprint)
        expectCodingError(.wrongModel, ["another model"]) { try file.check(fingerprint: SHA256.hash([1])) }
    }

    @Test func invalidArgumentsWhenWriting() {
        expectCodingError(.invalidArgument, ["fingerprint", "32"]) { _ = try CompressedFile(fingerprint: [1, 2], shape: [5], records: []) }
        expectCodingError(.invalidArgument, ["shape"]) { _ = try CompressedFile(fingerprint: fingerprint, shape: [], records: []) }
        expectCodingError(.invalidArgument, ["shape"]) { _ = try CompressedFile(fingerprint: fingerprint, shape: [0, 3], records: []) }
        expectCodingError(.invalidArgument, ["shape"]) { _ = try CompressedFile(fingerprint: fingerprint, shape: [1 << 20, 1 << 20], records: []) }
        expectCodingError(.invalidArgument, ["shape"]) { _ = try CompressedFile(fingerprint: fingerprint, shape: [Int](repeating: 1, count: 9), records: []) }
    }

    @Test func errorClasses() throws {
        let good = try sampleFile().bytes
        expectCodingError(.badMagic, ["not an rda compressed file"]) { _ = try CompressedFile(bytes: Array("\u{89}PNG....".utf8) + good) }
        expectCodingError(.badMagic, ["not an rda"]) { _ = try CompressedFile(bytes: [0x52, 0x44, 0x41]  + [0x44]) }
        expectCodingError(.badMagic) { _ = try CompressedFile(bytes: [0x00]) }
        expectCodingError(.truncated) { _ = try CompressedFile(bytes: []) }
        expectCodingError(.truncated) { _ = try CompressedFile(bytes: [0x52, 0x44]) }

        var future = good
        future[4] = CompressedFile.currentVersion + 1
        expectCodingError(.futureVersion, ["version \(CompressedFile.currentVersion + 1)", "newer rda"]) { _ = try CompressedFile(bytes: future) }
        var zero = good
        zero[4] = 0
        expectCodingError(.invalidHeader, ["version 0"]) { _ = try CompressedFile(bytes: zero) }

        // Every truncation.
        for cut in 0..<good.count {
            expectCodingError(.truncated, ["truncated"]) { _ = try CompressedFile(bytes: Array(good[..<cut])) }
        }
        // Trailing data.
        expectCodingError(.trailingData, ["trailing", "1 bytes"]) { _ = try CompressedFile(bytes: good + [0]) }
        expectCodingError(.trailingData, ["trailing"]) { _ = try CompressedFile(bytes: good + good) }

        // A flipped payload byte: checksum mismatch.
        var flipped = good
        flipped[good.count - 10] ^= 0x10
        expectCodingError(.corrupted, ["checksum mismatch"]) { _ = try CompressedFile(bytes: flipped) }
        var badCRC = good
        badCRC[good.count - 1] ^= 1
        expectCodingError(.corrupted, ["checksum"]) { _ = try CompressedFile(bytes: badCRC) }

        // Absurd counts and shapes are refused before anything is allocated.
        func withHeader(version: UInt8 = 1, rank: UInt8, dims: [UInt64], count: UInt64, body: [UInt8] = []) -> [UInt8] {
            var b = CompressedFile.magic + [version] + fingerprint + [rank]
            for d in dims { LEB128.append(d, to: &b) }
            LEB128.append(count, to: &b)
            b += body
            let crc = CRC32.checksum(b)
            return b + (0..<4).map { UInt8(truncatingIfNeeded: crc >> UInt32(8 * $0)) }
        }
        #expect(try CompressedFile(bytes: withHeader(rank: 1, dims: [5], count: 1, body: [2, 9, 9])).record(0) == [9, 9])
        expectCodingError(.invalidHeader, ["rank 0"]) { _ = try CompressedFile(bytes: withHeader(rank: 0, dims: [], count: 0)) }
        expectCodingError(.invalidHeader, ["rank 9"]) { _ = try CompressedFile(bytes: withHeader(rank: 9, dims: [UInt64](repeating: 1, count: 9), count: 0)) }
        expectCodingError(.invalidHeader, ["dimension 1"]) { _ = try CompressedFile(bytes: withHeader(rank: 2, dims: [3, 0], count: 0)) }
        expectCodingError(.invalidHeader, ["shape"]) { _ = try CompressedFile(bytes: withHeader(rank: 2, dims: [1 << 40, 1 << 40], count: 0)) }
        expectCodingError(.invalidHeader, ["example count"]) { _ = try CompressedFile(bytes: withHeader(rank: 1, dims: [5], count: .max)) }
        // A count the bytes cannot hold: the checksum matches, so the file is inconsistent, not cut.
        expectCodingError(.corrupted, ["1000000 records"]) { _ = try CompressedFile(bytes: withHeader(rank: 1, dims: [5], count: 1_000_000, body: [0, 0])) }
        expectCodingError(.corrupted, ["record 0"]) { _ = try CompressedFile(bytes: withHeader(rank: 1, dims: [5], count: 1, body: [100, 1])) }
        expectCodingError(.corrupted, ["malformed"]) { _ = try CompressedFile(bytes: withHeader(rank: 1, dims: [5], count: 1, body: [0x80, 0x00])) }
        // Version 2: base length 12, record 0 of 12 + zigzag^-1(0) bits.
        #expect(try CompressedFile(bytes: withHeader(version: 2, rank: 1, dims: [5], count: 1, body: [1, 12, 0, 0xAB, 0xC0])).record(0) == [0xAB, 0xC0])
        expectCodingError(.corrupted, ["padding"]) { _ = try CompressedFile(bytes: withHeader(version: 2, rank: 1, dims: [5], count: 1, body: [1, 12, 0, 0xAB, 0xC8])) }
        expectCodingError(.corrupted, ["record 0"]) { _ = try CompressedFile(bytes: withHeader(version: 2, rank: 1, dims: [5], count: 1, body: [1, 12, 200, 1, 0xAB, 0xC0])) }
        expectCodingError(.corrupted, ["length"]) { _ = try CompressedFile(bytes: withHeader(version: 2, rank: 1, dims: [5], count: 1, body: [1, 0, 1, 0xAB])) }
        expectCodingError(.invalidHeader, ["base record length"]) { _ = try CompressedFile(bytes: withHeader(version: 2, rank: 1, dims: [5], count: 0, body: [1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])) }
        expectCodingError(.corrupted, ["before the checksum"]) { _ = try CompressedFile(bytes: withHeader(version: 2, rank: 1, dims: [5], count: 1, body: [1, 12, 0, 0xAB, 0xC0, 0x00])) }
    }

    /// Random damage anywhere: an error or (checksum off) a file whose records lie within the bytes.
    @Test func randomCorruptionNeverCrashes() throws {
        var rng = TestGenerator(seed: 11)
        let good = try sampleFile(records: 12).bytes
        var accepted = 0
        for trial in 0..<3000 {
            var bad = good
            switch trial % 4 {
            case 0: bad[Int.random(in: 0..<bad.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1: bad = Array(bad[..<Int.random(in: 0..<bad.count, using: &rng)])
            case 2: bad.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bad.count, using: &rng))
            default: for _ in 0..<Int.random(in: 1...10, using: &rng) { bad[Int.random(in: 0..<bad.count, using: &rng)] ^= 0xFF }
            }
            if bad == good { continue }
            #expect(throws: RDACodingError.self) { _ = try CompressedFile(bytes: bad) }
            if let file = try? CompressedFile(bytes: bad, verifyChecksum: false) {
                accepted += 1
                #expect(file.payloadBits / 8 <= bad.count && file.recordCount <= bad.count)
            }
        }
        #expect(accepted > 0)   // some damage only garbles payloads: then only the checksum notices
    }
}
