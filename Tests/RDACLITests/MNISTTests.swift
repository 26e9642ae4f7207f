import Testing
import Foundation
import RDAIO
import RDATestSupport

/// The offline MNIST copy (`SharedData.directory`: $RDA_DATA_DIR or ../shared/data), or nil.
let sharedData: URL? = SharedData.directory

@Suite("MNIST end to end (small budgets)", .enabled(if: sharedData != nil, "needs ../shared/data/mnist"))
struct MNISTTests {
    @Test func convRunWritesPicturesAndConsistentRates() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        let t = try runRDA(["train", "--data", "mnist", "--data-dir", sharedData!.path, "--examples", "2048", "--epochs", "1",
                            "--widths", "8,16", "--latent-dim", "8", "--lambda", "4", "--out", run])
        #expect(t.status == 0, "\(t.stderr)")
        // Scaled x2 (56-pixel tiles, 2 apart); reconstructions in 4 triples with 3 wider (10-pixel) gaps,
        // "example", "channel", "z = mu" above the columns; rows "draws 57-64" and "examples 13-16" the widest labels.
        for (file, cells, rows, gaps, chars, columnScale) in [("samples.png", 8, 8, 0, 11, nil), ("reconstructions.png", 12, 4, 3, 14, 1)] as [(String, Int, Int, Int, Int, Int?)] {
            let png = try PNG.read(from: URL(fileURLWithPath: run + "/" + file))
            expectCaptioned((png.width, png.height), plainWidth: cells * 56 + (cells + 1) * 2 + gaps * 8, plainHeight: rows * 58 + 2,
                            scale: 2, labelChars: chars, columnScale: columnScale, file)
        }
        let e = try runRDA(["eval", "--model", run, "--data-dir", sharedData!.path, "--json"])
        #expect(e.status == 0, "\(e.stderr)")
        let r = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        let channel = r["channel"] as! [String: Any]
        let closed = r["rate_nats"] as! Double, mc = channel["rate_mc_nats"] as! Double, se = channel["rate_mc_stderr"] as! Double
        #expect(Swift.abs(closed - mc) < 3 * se, "closed form \(closed) vs Monte Carlo \(mc) ± \(se)")
        #expect((r["examples"] as! Int) == 10_000)
        let psnr = r["psnr_db"] as! Double
        #expect(psnr > 6 && psnr < 40, "PSNR \(psnr) dB after 16 steps")
        // a sample sheet of another size and a reconstruction sheet from the train split
        let s = try runRDA(["sample", "--model", run, "--count", "9", "--seed", "3", "--out", dir.appendingPathComponent("s.png").path])
        #expect(s.status == 0, "\(s.stderr)")
        let sp = try PNG.read(from: dir.appendingPathComponent("s.png"))
        expectCaptioned((sp.width, sp.height), plainWidth: 3 * 56 + 4 * 2, plainHeight: 3 * 58 + 2, scale: 2, labelChars: 9,
                        columnScale: nil, titleWider: true, "sample --count 9")
        let rc = try runRDA(["reconstruct", "--model", run, "--data-dir", sharedData!.path, "--split", "train", "--count", "4",
                             "--out", dir.appendingPathComponent("r.png").path])
        #expect(rc.status == 0, "\(rc.stderr)")
        // a model of MNIST evaluated on a Gaussian source of another shape
        expectCleanFailure(try runRDA(["eval", "--model", run, "--data", "gaussian:1,2"]), mentions: ["784"])
    }
}
