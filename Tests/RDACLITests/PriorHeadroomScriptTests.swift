import Testing
import Foundation
import RDATestSupport

/// scripts/prior_headroom.py on a tiny Gaussian model: its standard-prior rate is `rda eval`'s,
/// the Monte Carlo rate agrees with it, and a model with another channel is refused.
@Suite("scripts/prior_headroom.py", .enabled(if: hasPythonNumpy, "needs python3 with numpy"))
struct PriorHeadroomScriptTests {
    @Test func standardRateIsEvalsAndBadInputIsRefused() throws {
        let data = try tinyImageFolder(count: 64)
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("g").path
        #expect(try runRDA(["train", "--data", data.path, "--arch", "mlp", "--widths", "16", "--latent-dim", "3", "--epochs", "2",
                            "--batch-size", "16", "--out", run]).status == 0)
        let e = try runRDA(["eval", "--model", run, "--data", data.path, "--json"])
        let rda = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        let script = repositoryRoot.appendingPathComponent("scripts/prior_headroom.py").path
        let train = data.appendingPathComponent("train-images-idx3-ubyte").path, test = data.appendingPathComponent("t10k-images-idx3-ubyte").path
        let p = try runProgram(["python3", script, run, "--train", train, "--test", test, "--components", "1,4"])
        #expect(p.status == 0, "\(p.stderr)")
        let py = try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as! [String: Any]
        let closed = try #require(py["standard_closed_form_bits"] as? Double), evalBits = try #require(rda["rate_bits"] as? Double)
        #expect(Swift.abs(closed - evalBits) <= 1e-4 * Swift.max(1, evalBits), "script \(closed), rda eval \(evalBits)")
        let mc = try #require(py["standard_mc_bits"] as? [Double])
        #expect(Swift.abs(mc[0] - closed) <= 5 * mc[1] + 1e-3, "Monte Carlo \(mc) against the closed form \(closed)")
        #expect((py["mixtures"] as? [[String: Any]])?.count == 2)
        // refusals: a quantized model, a mixture larger than the training set
        let q = dir.appendingPathComponent("q").path
        #expect(try runRDA(["train", "--data", data.path, "--arch", "mlp", "--widths", "16", "--latent-dim", "3", "--epochs", "1",
                            "--batch-size", "16", "--channel", "quantized", "--out", q]).status == 0)
        let r = try runProgram(["python3", script, q, "--train", train, "--test", test])
        #expect(r.status != 0 && r.stderr.contains("not a Gaussian one"), "\(r.stderr)")
        let k = try runProgram(["python3", script, run, "--train", train, "--test", test, "--components", "65"])
        #expect(k.status != 0 && k.stderr.contains("between 1 and 64"), "\(k.stderr)")
    }
}
