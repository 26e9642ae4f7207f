import Testing
import Foundation
import RDATestSupport

/// `rda standardize` on a `spatial` Gaussian model with a learned prior per latent channel:
/// the standardized model evaluates to the same rate and distortion.
@Suite("Spatial Gaussian models standardize from the command line")
struct SpatialStandardizeCLITests {
    @Test func standardizeKeepsRateAndDistortion() throws {
        let dir = temporaryFolder("rda-spatial-std")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try ColourCLITests.imageFolder(dir)
        let run = dir.appendingPathComponent("run").path, std = dir.appendingPathComponent("std").path
        let t = try runRDA(["train", "--data", data.path, "--arch", "spatial", "--downsamplings", "2", "--widths", "6",
                            "--latent-channels", "4", "--prior", "learned", "--epochs", "2", "--batch-size", "16",
                            "--seed", "4", "--out", run])
        #expect(t.status == 0, "\(t.stderr)")
        let s = try runRDA(["standardize", "--model", run, "--out", std])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(!s.stderr.contains("warning"), "\(s.stderr)")
        var figures: [[String: Any]] = []
        for model in [run, std] {
            let e = try runRDA(["eval", "--model", model, "--data", data.path, "--json"])
            #expect(e.status == 0, "\(e.stderr)")
            figures.append(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any])
        }
        for key in ["rate_nats", "distortion"] {
            let a = try #require(figures[0][key] as? Double), b = try #require(figures[1][key] as? Double)
            #expect(Swift.abs(a - b) <= 1e-4 * Swift.max(1, Swift.abs(a)), "\(key): \(a) vs \(b)")
        }
    }
}
