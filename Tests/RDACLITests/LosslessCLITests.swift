import Testing
import Foundation
import RDAIO
import RDATestSupport

/// `rda compress --lossless` and `rda decompress` of bits-back files: exact bytes back, across
/// thread counts, and one-line refusals.
@Suite("Lossless compression from the command line", .enabled(if: SharedData.isPresent))
struct LosslessCLITests {
    /// The discretized logistic needs 8-bit images; lossless coding refuses OpenBLAS (its bits
    /// depend on the thread count) and the direct convolutions of RDA_WINOGRAD=0 (a file must
    /// decode with the convolutions that coded it). One line each, before anything is trained or written.
    @Test func refusalsBeforeAnyWork() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectCleanFailure(try runRDA(["train", "--data", "gaussian:2,1", "--distortion", "discretized-logistic", "--out", dir.appendingPathComponent("g").path]),
                           mentions: ["--distortion", "8-bit"])
        let run = dir.appendingPathComponent("dl")
        #expect(try runRDA(["train", "--data", "mnist", "--data-dir", SharedData.directory!.path, "--arch", "conv", "--widths", "4,8", "--latent-dim", "4",
                            "--distortion", "discretized-logistic", "--lambda", "1", "--epochs", "1", "--examples", "200", "--out", run.path]).status == 0)
        let out = dir.appendingPathComponent("o.rdac")
        expectCleanFailure(try runRDA(["compress", "--lossless", "--model", run.path, "--data-dir", SharedData.directory!.path, "--count", "3", "--out", out.path],
                                      environment: ["RDA_GEMM": "openblas"]), mentions: ["Swift GEMM"])
        expectCleanFailure(try runRDA(["compress", "--lossless", "--model", run.path, "--data-dir", SharedData.directory!.path, "--count", "3", "--out", out.path],
                                      environment: ["RDA_WINOGRAD": "0"]), mentions: ["RDA_WINOGRAD=0"])
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func losslessRoundTripGivesBackMNISTsBytesAcrossThreadCounts() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = SharedData.directory!.path
        let run = dir.appendingPathComponent("dl")
        let t = try runRDA(["train", "--data", "mnist", "--data-dir", data, "--arch", "conv", "--widths", "4,8", "--latent-dim", "6",
                            "--distortion", "discretized-logistic", "--lambda", "1", "--epochs", "1", "--examples", "500", "--out", run.path])
        #expect(t.status == 0, "\(t.stderr)")
        let file = dir.appendingPathComponent("l.rdac")
        let c = try runRDA(["compress", "--lossless", "--model", run.path, "--data-dir", data, "--count", "200", "--out", file.path, "--json"],
                           environment: ["RDA_THREADS": "1"])
        #expect(c.status == 0, "\(c.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
        let bpd = try #require(summary["bits_per_dim"] as? Double), nelbo = try #require(summary["nelbo_bits_per_dim"] as? Double)
        #expect(bpd > nelbo && bpd < nelbo * 1.01 + 0.01, "file \(bpd) bits/dim, -ELBO \(nelbo)")
        // decoded at 2 threads: MNIST's own IDX bytes for these 200 images
        let idx = dir.appendingPathComponent("out.idx")
        let d = try runRDA(["decompress", file.path, "--model", run.path, "--out", idx.path], environment: ["RDA_THREADS": "2"])
        #expect(d.status == 0, "\(d.stderr)")
        var reference = [UInt8](try Gzip.decompress(Data(contentsOf: SharedData.directory!.appendingPathComponent("mnist/t10k-images-idx3-ubyte.gz"))).prefix(16 + 200 * 784))
        reference[4...7] = [0, 0, 0, 200]
        #expect([UInt8](try Data(contentsOf: idx)) == reference)
        // a folder of PNGs, re-compressed from the PNGs: the same file
        let pngs = dir.appendingPathComponent("pngs/")
        #expect(try runRDA(["decompress", file.path, "--model", run.path, "--out", pngs.path + "/"]).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: pngs.path).sorted()
        #expect(names.count == 200)
        let again = dir.appendingPathComponent("again.rdac")
        let c2 = try runRDA(["compress", "--lossless", "--model", run.path, "--image"] + names.map { pngs.appendingPathComponent($0).path } + ["--out", again.path])
        #expect(c2.status == 0, "\(c2.stderr)")
        #expect(try Data(contentsOf: again) == Data(contentsOf: file))

        // refusals: a damaged file, another model, a quantized model; nothing written
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count / 2] ^= 0x10
        let bad = dir.appendingPathComponent("bad.rdac")
        try Data(bytes).write(to: bad)
        let none = dir.appendingPathComponent("none.idx")
        expectCleanFailure(try runRDA(["decompress", bad.path, "--model", run.path, "--out", none.path]), mentions: ["bad.rdac"])
        let other = dir.appendingPathComponent("other")
        #expect(try runRDA(["train", "--data", "mnist", "--data-dir", data, "--arch", "conv", "--widths", "4,8", "--latent-dim", "6",
                            "--distortion", "discretized-logistic", "--lambda", "1", "--epochs", "1", "--examples", "200", "--seed", "5", "--out", other.path]).status == 0)
        expectCleanFailure(try runRDA(["decompress", file.path, "--model", other.path, "--out", none.path]), mentions: ["another model"])
        let q = dir.appendingPathComponent("q")
        #expect(try runRDA(["train", "--data", "mnist", "--data-dir", data, "--arch", "conv", "--widths", "4,8", "--latent-dim", "6",
                            "--channel", "quantized", "--epochs", "1", "--examples", "200", "--out", q.path]).status == 0)
        expectCleanFailure(try runRDA(["compress", "--lossless", "--model", q.path, "--data-dir", data, "--count", "5", "--out", none.path]), mentions: ["quantized"])
        #expect(!FileManager.default.fileExists(atPath: none.path))
    }
}
