import RDATestSupport
import Foundation
import Testing
import RDAIO

@Suite struct GzipTests {
    static let sample: Data = {
        var bytes = pseudoRandomBytes(50_000)
        bytes += Array(repeating: 7, count: 100_000)  // compressible part
        bytes += Array("the quick brown fox ".utf8).flatMap { [$0, $0] }
        return Data(bytes)
    }()

    @Test func roundTrip() throws {
        let compressed = try Gzip.compress(Self.sample)
        #expect(Gzip.isGzip(compressed))
        #expect(Gzip.isGzip([UInt8](compressed)))
        #expect(compressed.count < Self.sample.count)
        #expect(try Gzip.decompress(compressed) == Self.sample)
    }

    @Test func roundTripEmptyAndLevels() throws {
        #expect(try Gzip.decompress(Gzip.compress(Data())) == Data())
        for level in [0, 1, 9] {
            #expect(try Gzip.decompress(Gzip.compress(Self.sample, level: level)) == Self.sample)
        }
        expectRDAIOError(.invalidArgument, ["level"]) { _ = try Gzip.compress(Self.sample, level: 12) }
    }

    @Test func detectionByContent() {
        #expect(!Gzip.isGzip(Data()))
        #expect(!Gzip.isGzip([0x1f]))
        #expect(!Gzip.isGzip([0x00, 0x00, 0x08, 0x03]))
        #expect(Gzip.isGzip([0x1f, 0x8b]))
        // A slice whose indices do not start at 0.
        let data = Data([0, 0, 0x1f, 0x8b, 8])
        #expect(Gzip.isGzip(data[2...]))
        #expect(!Gzip.isGzip(data[1...]))
    }

    @Test func concatenatedMembers() throws {
        let a = Data("first part, ".utf8), b = Data("second part".utf8)
        var joined = try Gzip.compress(a)
        joined.append(try Gzip.compress(b))
        #expect(try Gzip.decompress(joined) == a + b)
    }

    @Test func decompressesSliceWithOffset() throws {
        let compressed = try Gzip.compress(Self.sample)
        let padded = Data([1, 2, 3]) + compressed
        #expect(try Gzip.decompress(padded[3...]) == Self.sample)
    }

    @Test func notGzip() {
        expectRDAIOError(.badMagic, ["not gzip", "00 00", "x.gz"]) {
            _ = try Gzip.decompress(Data([0, 0, 8, 3, 0, 0]), source: "x.gz")
        }
        expectRDAIOError(.badMagic, ["not gzip"]) { _ = try Gzip.decompress(Data()) }
    }

    @Test func truncated() throws {
        let compressed = try Gzip.compress(Self.sample)
        for cut in [3, 10, compressed.count / 2, compressed.count - 4] {
            expectRDAIOError(.truncated, ["truncated", "f.gz"]) {
                _ = try Gzip.decompress(compressed.prefix(cut), source: "f.gz")
            }
        }
    }

    @Test func corruptData() throws {
        var compressed = [UInt8](try Gzip.compress(Self.sample))
        // Damage the CRC-32 in the trailer: the data inflate fine but the check fails.
        compressed[compressed.count - 6] ^= 0xff
        expectRDAIOError(.corruptData, ["corrupt gzip"]) { _ = try Gzip.decompress(Data(compressed)) }

        // Damage the first deflate block header: 0x07 makes BTYPE = 11 (reserved).
        var badBlock = [UInt8](try Gzip.compress(Self.sample))
        badBlock[10] = 0x07
        expectRDAIOError(.corruptData, ["corrupt gzip", "invalid block type"]) { _ = try Gzip.decompress(Data(badBlock)) }

        // Unknown compression method in the gzip header.
        var badMethod = [UInt8](try Gzip.compress(Self.sample))
        badMethod[2] = 7
        expectRDAIOError(.corruptData, ["corrupt gzip"]) { _ = try Gzip.decompress(Data(badMethod)) }
    }

    @Test func trailingGarbage() throws {
        var compressed = try Gzip.compress(Self.sample)
        let zeroPadded = compressed + Data(repeating: 0, count: 16)
        #expect(try Gzip.decompress(zeroPadded) == Self.sample)  // zero padding is tolerated, like gzip(1)
        compressed.append(contentsOf: Array("junk".utf8))
        expectRDAIOError(.trailingData, ["garbage", "4 bytes"]) { _ = try Gzip.decompress(compressed) }
    }

    @Test(.enabled(if: Environment.hasPython, "needs python3"))
    func interoperatesWithPythonGzip() throws {
        let folder = TempFolder()
        let input = folder.file("in.bin"), fromPython = folder.file("py.gz"), fromSwift = folder.file("swift.gz")
        try Self.sample.write(to: input)
        try Gzip.compress(Self.sample).write(to: fromSwift)
        let script = """
        import gzip, sys
        data = open(sys.argv[1], 'rb').read()
        open(sys.argv[2], 'wb').write(gzip.compress(data, 9))
        assert gzip.decompress(open(sys.argv[3], 'rb').read()) == data
        print('ok')
        """
        let result = try #require(run("python3", ["-c", script, input.path, fromPython.path, fromSwift.path]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ok"))
        #expect(try Gzip.decompress(Data(contentsOf: fromPython)) == Self.sample)
    }
}
