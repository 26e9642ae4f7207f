import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 25, class 11: outputs that are devices or pipes are written in place, never replaced
/// by a rename (as root, `--out /dev/null` replaced the device with a regular file); the
/// wrong-model error names the file; sizes per example are printed rounded.
@Suite("Output files and messages")
struct OutputMessageTests {
    /// Runs `args` writing to a FIFO at `fifo` (read by this process), returns the result and what arrived.
    func throughFIFO(_ fifo: URL, _ args: [String]) throws -> (result: (status: Int32, stdout: String, stderr: String), received: [UInt8], stillFIFO: Bool) {
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let fd = open(fifo.path, O_RDONLY | O_NONBLOCK)
        #expect(fd >= 0)
        defer { close(fd); unlink(fifo.path) }
        let r = try runRDA(args)
        var received: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        var info = stat()
        let isFIFO = lstat(fifo.path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO
        return (r, received, isFIFO)
    }

    @Test func devicesAndPipesAreWrittenInPlaceAndMessagesAreClear() throws {
        let root = temporaryFolder("rda-out")
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("q"), other = root.appendingPathComponent("q2")
        #expect(try runRDA(["train", "--channel", "quantized", "--lambda", "8", "--out", run.path] + tinyGaussian).status == 0)
        #expect(try runRDA(["train", "--channel", "quantized", "--lambda", "2", "--out", other.path] + tinyGaussian).status == 0)

        let c = try throughFIFO(root.appendingPathComponent("pipe.rdac"),
                                ["compress", "--model", run.path, "--count", "30", "--test-examples", "30", "--out", root.appendingPathComponent("pipe.rdac").path])
        #expect(c.result.status == 0, "\(c.result.stderr)")
        #expect(c.stillFIFO, "compress replaced the pipe with a file")
        #expect(Array(c.received.prefix(4)) == Array("RDAC".utf8))
        // 30 examples in a few hundred bytes: bits per example rounded, not 17 digits
        let line = c.result.stdout
        let bits = try #require(line.range(of: #"[0-9.]+ bits/example"#, options: .regularExpression))
        #expect(line[bits].split(separator: " ")[0].split(separator: ".").last!.count <= 2, "\(line)")

        let file = root.appendingPathComponent("a.rdac")
        try Data(c.received).write(to: file)
        let d = try throughFIFO(root.appendingPathComponent("pipe.csv"),
                                ["decompress", file.path, "--model", run.path, "--out", root.appendingPathComponent("pipe.csv").path])
        #expect(d.result.status == 0, "\(d.result.stderr)")
        #expect(d.stillFIFO, "decompress replaced the pipe with a file")
        #expect(String(decoding: d.received, as: UTF8.self).split(separator: "\n").count == 30)
        let s = try throughFIFO(root.appendingPathComponent("pipe.json"),
                                ["sample", "--model", run.path, "--count", "4", "--out", root.appendingPathComponent("pipe.json").path])
        #expect(s.result.status == 0 && s.stillFIFO && !s.received.isEmpty, "\(s.result.stderr)")

        // another model's file: the error names the file
        expectCleanFailure(try runRDA(["decompress", file.path, "--model", other.path, "--out", root.appendingPathComponent("x.csv").path]),
                           mentions: ["a.rdac", "another model"])
        // a PNG grid of a non-image model: decompress writes CSV, not the JSON other commands suggest
        let png = try runRDA(["decompress", file.path, "--model", run.path, "--out", root.appendingPathComponent("x.png").path])
        expectCleanFailure(png, mentions: ["FILE.csv"])
        #expect(!png.stderr.contains(".json"), "\(png.stderr)")
        // an output under a missing folder: one line in rda's words, no Foundation domain
        let missing = try runRDA(["compress", "--model", run.path, "--count", "3", "--test-examples", "30", "--out", "/proc/none/a.rdac"])
        expectCleanFailure(missing, mentions: ["/proc/none"])
        #expect(!missing.stderr.contains("Domain") && !missing.stderr.contains("could not be completed"), "\(missing.stderr)")
    }
}
