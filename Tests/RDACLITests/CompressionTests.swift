import Testing
import Foundation

/// `rda train --channel quantized`, `rda eval` on it, `rda compress` / `rda decompress`, and
/// their clean failures.
@Suite("Compression from the command line")
struct CompressionTests {
    /// A tiny quantized Gaussian model, trained once per test that needs it.
    func trainQuantized(_ dir: URL, lambda: String = "8") throws -> URL {
        let run = dir.appendingPathComponent("q")
        let r = try runRDA(["train", "--channel", "quantized", "--lambda", lambda, "--out", run.path] + tinyGaussian)
        #expect(r.status == 0, "\(r.stderr)")
        return run
    }

    @Test func evalReportsCodedBitsAndCompressRoundTrips() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try trainQuantized(dir)
        let e = try runRDA(["eval", "--model", run.path, "--json", "--test-examples", "300"])
        #expect(e.status == 0, "\(e.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let channel = try #require(report["channel"] as? [String: Any])
        let coded = try #require(channel["coded_bits_per_image"] as? Double)
        let estimated = try #require(channel["estimated_bits_per_image"] as? Double)
        #expect(channel["container_bits_per_image"] is Double && channel["kind"] as? String == "quantized")
        #expect(coded >= 0 && coded < estimated + 1)

        let file = dir.appendingPathComponent("g.rdac")
        let c = try runRDA(["compress", "--model", run.path, "--count", "300", "--test-examples", "300", "--out", file.path, "--json"])
        #expect(c.status == 0, "\(c.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
        let bytes = try Data(contentsOf: file)
        #expect(summary["file_bytes"] as? Int == bytes.count)
        #expect(summary["images"] as? Int == 300)
        // one key, one meaning: eval's container_bits_per_image is the whole file per example;
        // compress calls the non-payload part overhead_bits_per_image
        let overhead = try #require(summary["overhead_bits_per_image"] as? Double)
        #expect(summary["container_bits_per_image"] == nil)
        #expect(Swift.abs(overhead - (Double(bytes.count * 8) - Double(summary["payload_bits"] as? Int ?? 0)) / 300) < 1e-9)
        // the decoded examples score what eval scores through z = round(y)
        let mse = try #require(summary["mse_per_dim"] as? Double)
        let evalMSE = try #require(report["mse_per_dim"] as? Double)
        #expect(Swift.abs(mse - evalMSE) <= 1e-6 * Swift.max(1, evalMSE), "compress \(mse) vs eval \(evalMSE)")

        let csv = dir.appendingPathComponent("g.csv")
        let d = try runRDA(["decompress", file.path, "--model", run.path, "--out", csv.path])
        #expect(d.status == 0, "\(d.stderr)")
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 300 && rows[0].split(separator: ",").count == 2)

        // 100 examples to a record: the same decoded rows, a smaller file
        let grouped = dir.appendingPathComponent("g100.rdac")
        let g = try runRDA(["compress", "--model", run.path, "--count", "300", "--test-examples", "300", "--examples-per-record", "100", "--out", grouped.path, "--json"])
        #expect(g.status == 0, "\(g.stderr)")
        let gs = try #require(try JSONSerialization.jsonObject(with: Data(g.stdout.utf8)) as? [String: Any])
        #expect(gs["examples_per_record"] as? Int == 100 && (gs["file_bytes"] as? Int ?? .max) < bytes.count)
        let csv100 = dir.appendingPathComponent("g100.csv")
        #expect(try runRDA(["decompress", grouped.path, "--model", run.path, "--out", csv100.path]).status == 0)
        #expect(try String(contentsOf: csv100, encoding: .utf8) == String(contentsOf: csv, encoding: .utf8))
        expectCleanFailure(try runRDA(["compress", "--model", run.path, "--examples-per-record", "0", "--out", grouped.path]), mentions: ["--examples-per-record"])

        // a truncated file, a corrupted one, another model's, and a gaussian-channel model: one line each
        try bytes.prefix(bytes.count - 3).write(to: dir.appendingPathComponent("cut.rdac"))
        expectCleanFailure(try runRDA(["decompress", dir.appendingPathComponent("cut.rdac").path, "--model", run.path, "--out", csv.path]), mentions: ["cut.rdac"])
        var flipped = bytes
        flipped[flipped.count / 2] ^= 0x10
        try flipped.write(to: dir.appendingPathComponent("bad.rdac"))
        expectCleanFailure(try runRDA(["decompress", dir.appendingPathComponent("bad.rdac").path, "--model", run.path, "--out", csv.path]), mentions: ["bad.rdac"])
        let other = try trainQuantized(dir.appendingPathComponent("other"), lambda: "2")
        expectCleanFailure(try runRDA(["decompress", file.path, "--model", other.path, "--out", csv.path]), mentions: ["model"])
        let gaussian = dir.appendingPathComponent("gauss")
        #expect(try runRDA(["train", "--out", gaussian.path] + tinyGaussian).status == 0)
        // a gaussian-channel model codes by channel simulation (ChannelSimulationCLITests); a quantized file is not its
        expectCleanFailure(try runRDA(["decompress", file.path, "--model", gaussian.path, "--out", csv.path]), mentions: ["model"])
        expectCleanFailure(try runRDA(["standardize", "--model", run.path, "--out", dir.appendingPathComponent("s").path]), mentions: ["gaussian"])
    }

    @Test func quantizedOptionsAreChecked() throws {
        expectCleanFailure(try runRDA(["train", "--channel", "quantized", "--prior", "standard"] + tinyGaussian), mentions: ["--prior"])
        expectCleanFailure(try runRDA(["train", "--channel", "quantized", "--rate", "monte-carlo"] + tinyGaussian), mentions: ["--rate"])
        expectCleanFailure(try runRDA(["train", "--channel", "quantized", "--prior-components", "9"] + tinyGaussian), mentions: ["--prior-components"])
        expectCleanFailure(try runRDA(["train", "--prior-components", "2"] + tinyGaussian), mentions: ["--prior-components", "quantized", "--channel"])
        expectCleanFailure(try runRDA(["train", "--channel", "nonesuch"] + tinyGaussian), mentions: ["--channel nonesuch", "gaussian, quantized", "--help"])
    }

    @Test(.enabled(if: sharedData != nil, "needs ../shared/data/mnist"))
    func imagesCompressToPNGsAndBack() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("m")
        let t = try runRDA(["train", "--data", "mnist", "--data-dir", sharedData!.path, "--channel", "quantized", "--arch", "mlp", "--widths", "32", "--latent-dim", "6",
                            "--examples", "512", "--epochs", "1", "--out", run.path])
        #expect(t.status == 0, "\(t.stderr)")
        let file = dir.appendingPathComponent("m.rdac")
        let c = try runRDA(["compress", "--model", run.path, "--data-dir", sharedData!.path, "--count", "5", "--out", file.path])
        #expect(c.status == 0, "\(c.stderr)")
        let out = dir.appendingPathComponent("pngs/")
        let d = try runRDA(["decompress", file.path, "--model", run.path, "--out", out.path + "/"])
        #expect(d.status == 0, "\(d.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == (1...5).map { "image-\($0).png" })
        // a grid: captioned, rows labelled, scaled by --scale (5 images: 2 rows of 3)
        func pngSize(_ url: URL) throws -> (Int, Int) {
            let b = [UInt8](try Data(contentsOf: url))
            func be(_ i: Int) -> Int { b[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
            return (be(16), be(20))
        }
        for scale in [1, 3] {
            let grid = dir.appendingPathComponent("grid\(scale).png")
            let g = try runRDA(["decompress", file.path, "--model", run.path, "--out", grid.path, "--scale", "\(scale)"])
            #expect(g.status == 0, "\(g.stderr)")
            let (w, h) = try pngSize(grid)
            #expect(w > 3 * 28 * scale + 4 * 2, "row labels widen the grid: \(w)")
            #expect(h > 2 * 28 * scale + 3 * 2, "a caption above the images: \(h)")
        }
        expectCleanFailure(try runRDA(["decompress", file.path, "--model", run.path, "--out", dir.appendingPathComponent("g.png").path, "--scale", "0"]), mentions: ["--scale"])
        // the decoded PNGs are images of the model's shape, and compress again through --image
        let again = dir.appendingPathComponent("again.rdac")
        let c2 = try runRDA(["compress", "--model", run.path, "--image"] + names.map { out.appendingPathComponent($0).path } + ["--out", again.path, "--json"])
        #expect(c2.status == 0, "\(c2.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(c2.stdout.utf8)) as? [String: Any])
        #expect(summary["images"] as? Int == 5 && summary["bits_per_pixel"] is Double)
        expectCleanFailure(try runRDA(["compress", "--model", run.path, "--image", file.path, "--out", again.path]), mentions: ["m.rdac"])

        // the same file from 1 and 2 threads, and from either GEMM backend
        var files: [String: Data] = [:]
        for (threads, gemm) in [("1", "swift"), ("2", "swift"), ("1", "openblas"), ("2", "openblas")] {
            let f = dir.appendingPathComponent("t\(threads)-\(gemm).rdac")
            let r = try runRDA(["compress", "--model", run.path, "--data-dir", sharedData!.path, "--count", "200", "--out", f.path],
                               environment: ["RDA_THREADS": threads, "RDA_GEMM": gemm])
            #expect(r.status == 0, "\(r.stderr)")
            files["\(threads) \(gemm)"] = try Data(contentsOf: f)
        }
        let reference = try #require(files["1 swift"])
        for (setting, bytes) in files { #expect(bytes == reference, "the file from \(setting) differs from 1 thread, swift") }
    }
}
