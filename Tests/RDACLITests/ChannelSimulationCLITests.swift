import Testing
import Foundation

/// `rda compress` / `rda decompress` on Gaussian-channel models: channel simulation, its
/// report, thread-count independence and clean refusals.
@Suite("Channel simulation from the command line")
struct ChannelSimulationCLITests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func gaussianModelsCodeBySimulationAtAnyThreadCount() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("g")
        let t = try runRDA(["train", "--lambda", "4", "--out", run.path] + tinyGaussian)
        #expect(t.status == 0, "\(t.stderr)")

        let one = dir.appendingPathComponent("one.rdac"), two = dir.appendingPathComponent("two.rdac")
        let c1 = try runRDA(["compress", "--model", run.path, "--count", "200", "--test-examples", "512", "--block-bits", "4", "--out", one.path, "--json"],
                            environment: ["RDA_THREADS": "1"])
        #expect(c1.status == 0, "\(c1.stderr)")
        let c2 = try runRDA(["compress", "--model", run.path, "--count", "200", "--test-examples", "512", "--block-bits", "4", "--out", two.path, "--json"],
                            environment: ["RDA_THREADS": "2"])
        #expect(c2.status == 0, "\(c2.stderr)")
        // the same file at 1 and 2 threads
        let bytes = try Data(contentsOf: one)
        #expect(bytes == (try Data(contentsOf: two)))
        let s = try json(c1.stdout)
        #expect(s["images"] as? Int == 200 && s["file_bytes"] as? Int == bytes.count)
        let kl = try #require(s["kl_bits_per_image"] as? Double), payload = try #require(s["payload_bits_per_image"] as? Double)
        #expect(kl > 0.5, "a lambda-4 model sends some bits: KL \(kl)")
        #expect(payload < kl + 6 * Double(s["blocks_per_image"] as? Int ?? 0) + 1, "payload \(payload) for KL \(kl)")
        #expect(s["distortion"] is Double && s["distortion_stderr"] is Double && s["overhead_bits_per_block"] is Double)

        // decoding at 1 and 2 threads writes the same rows
        let csv1 = dir.appendingPathComponent("d1.csv"), csv2 = dir.appendingPathComponent("d2.csv")
        let d1 = try runRDA(["decompress", one.path, "--model", run.path, "--out", csv1.path], environment: ["RDA_THREADS": "1"])
        #expect(d1.status == 0, "\(d1.stderr)")
        #expect(try runRDA(["decompress", one.path, "--model", run.path, "--out", csv2.path], environment: ["RDA_THREADS": "2"]).status == 0)
        let rows = try String(contentsOf: csv1, encoding: .utf8)
        #expect(rows == (try String(contentsOf: csv2, encoding: .utf8)))
        #expect(rows.split(separator: "\n").count == 200)

        // damaged files and another model's are refused in one line
        try bytes.prefix(bytes.count - 3).write(to: dir.appendingPathComponent("cut.rdac"))
        expectCleanFailure(try runRDA(["decompress", dir.appendingPathComponent("cut.rdac").path, "--model", run.path, "--out", csv1.path]), mentions: ["cut.rdac"])
        var flipped = bytes
        flipped[flipped.count / 2] ^= 0x10
        try flipped.write(to: dir.appendingPathComponent("bad.rdac"))
        expectCleanFailure(try runRDA(["decompress", dir.appendingPathComponent("bad.rdac").path, "--model", run.path, "--out", csv1.path]), mentions: ["bad.rdac"])
        let other = dir.appendingPathComponent("other")
        #expect(try runRDA(["train", "--lambda", "2", "--out", other.path] + tinyGaussian).status == 0)
        expectCleanFailure(try runRDA(["decompress", one.path, "--model", other.path, "--out", csv1.path]), mentions: ["model"])

        // the options are checked
        expectCleanFailure(try runRDA(["compress", "--model", run.path, "--block-bits", "0", "--out", two.path]), mentions: ["--block-bits"])
        expectCleanFailure(try runRDA(["compress", "--model", run.path, "--block-bits", "8", "--candidate-bits", "30", "--out", two.path]), mentions: ["--candidate-bits"])
        let q = dir.appendingPathComponent("q")
        #expect(try runRDA(["train", "--channel", "quantized", "--out", q.path] + tinyGaussian).status == 0)
        expectCleanFailure(try runRDA(["compress", "--model", q.path, "--block-bits", "8", "--out", two.path]), mentions: ["--block-bits", "gaussian"])
    }
}
