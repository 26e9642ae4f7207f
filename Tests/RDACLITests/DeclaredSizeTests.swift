import Foundation
import RDACoding
import Testing

/// Issue 25, class 1: a tiny `.rdac` file with a valid checksum that declares a huge example
/// count (every example in one record of 0 bits) is refused in one line before anything is
/// allocated for it, under the machine's memory and under a process limit (`ulimit -v`).
@Suite("Files that declare more than they hold")
struct DeclaredSizeTests {
    /// A version-2 file made with the model of `fingerprint` and example shape `shape`, declaring
    /// `count` examples, all in one record of 0 bits: 50-odd bytes.
    static func bomb(fingerprint: [UInt8], shape: [Int], count: Int) -> [UInt8] {
        var out: [UInt8] = Array("RDAC".utf8) + [2] + fingerprint + [UInt8(shape.count)]
        for d in shape { LEB128.append(UInt64(d), to: &out) }
        LEB128.append(UInt64(count), to: &out)   // examples
        LEB128.append(UInt64(count), to: &out)   // examples per record: one record
        LEB128.append(0, to: &out)               // base length
        LEB128.append(0, to: &out)               // the record: 0 bits
        let crc = CRC32.checksum(out)
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(8 * i))) }
        return out
    }

    @Test func hugeDeclaredCountsAreRefusedBeforeAllocating() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("q")
        let t = try runRDA(["train", "--channel", "quantized", "--lambda", "8", "--out", run.path] + tinyGaussian)
        #expect(t.status == 0, "\(t.stderr)")
        let good = dir.appendingPathComponent("good.rdac")
        let c = try runRDA(["compress", "--model", run.path, "--count", "3", "--test-examples", "3", "--out", good.path])
        #expect(c.status == 0, "\(c.stderr)")
        let real = try CompressedFile(contentsOfFile: good.path)

        // 2^31 - 1 examples in 57 bytes: the reader accepts the structure, the decoder refuses the cost.
        let huge = Self.bomb(fingerprint: real.fingerprint, shape: real.shape, count: CompressedFile.maximumCount)
        #expect(huge.count < 64)
        let hugeFile = dir.appendingPathComponent("huge.rdac")
        try Data(huge).write(to: hugeFile)
        for out in ["x.csv", "x.png", "pngs/"] {
            let target = dir.appendingPathComponent(out).path + (out.hasSuffix("/") ? "/" : "")
            let r = try runRDA(["decompress", hugeFile.path, "--model", run.path, "--out", target])
            expectCleanFailure(r, mentions: ["2147483647 examples", "memory"])
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(out).path), "\(out) was written")
        }

        // 30 million examples of this small model fit this machine but not a 1.5 GB address space (3 million do, and decode): the process's
        // limit is the budget, not the machine's RAM.
        let mid = dir.appendingPathComponent("mid.rdac")
        try Data(Self.bomb(fingerprint: real.fingerprint, shape: real.shape, count: 30_000_000)).write(to: mid)
        let rda = productsDirectory.appendingPathComponent("rda").path
        let limited = try runProcess(URL(fileURLWithPath: "/bin/sh"),
                                     ["-c", "ulimit -v 1500000 && exec \"$0\" \"$@\"", rda, "decompress", mid.path, "--model", run.path,
                                      "--out", dir.appendingPathComponent("mid.csv").path],
                                     environment: ["RDA_THREADS": "1"])
        expectCleanFailure(limited, mentions: ["30000000 examples", "memory limit"])
    }
}
