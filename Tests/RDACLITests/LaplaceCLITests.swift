import Testing
import Foundation

/// A tiny Laplace run: seconds, not minutes.
let tinyLaplace = ["--data", "laplace:2,1", "--examples", "512", "--test-examples", "512", "--epochs", "2", "--batch-size", "64"]

@Suite("laplace: sources on the command line")
struct LaplaceCLITests {
    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    @Test func boundPrintsTheLaplaceOptimum() throws {
        let r = try runRDA(["bound", "--data", "laplace:2,1,0.5", "--lambdas", "1,4"])
        #expect(r.status == 0, "\(r.stderr)")
        let b = try json(r.stdout)
        #expect(b["kind"] as? String == "laplace")
        let at = b["at_lambdas"] as! [String: Any]
        // lambda 1: level 1, D = 1 + 1 + 0.5, R = ln 2; lambda 4: level 1/4, D = 0.75, R = ln 8 + ln 4 + ln 2
        let expected = [log(2.0) + 2.5, log(64.0) + 4 * 0.75]
        for (o, e) in zip(at["objective"] as! [Double], expected) { #expect(Swift.abs(o - e) < 1e-9, "\(o) vs \(e)") }
        #expect(((b["curve"] as! [String: Any])["rate_nats"] as! [Double]).count > 10)
    }

    @Test(arguments: [("laplace:1", "l2", "l1"), ("gaussian:1", "l1", "l2")])
    func boundRefusesTheOtherDistortion(_ data: String, _ distortion: String, _ word: String) throws {
        let r = try runRDA(["bound", "--data", data, "--distortion", distortion, "--lambdas", "1"])
        expectCleanFailure(r, mentions: ["no exact bound", word])
    }

    @Test(arguments: [("laplace:0,1", "not positive"), ("laplace:x", "not a number"), ("laplace:", "no scales")])
    func badLaplaceSpecs(_ spec: String, _ word: String) throws {
        let r = try runRDA(["train", "--data", spec, "--out", temporaryFolder().path])
        expectCleanFailure(r, mentions: [word, "laplace:"])
    }

    /// Defaults (linear, l1), the bound in eval and in the sweep's curve, and the refusal to print
    /// a bound that does not apply.
    @Test func sweepEvalAndPlotOnALaplaceSource() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try runRDA(["sweep"] + tinyLaplace + ["--lambdas", "1,4", "--out", dir.path])
        #expect(s.status == 0, "\(s.stderr)")
        let curve = try json(String(decoding: try Data(contentsOf: dir.appendingPathComponent("curve.json")), as: UTF8.self))
        #expect(curve["distortion_kind"] as? String == "l1")
        let bound = try #require(curve["bound"] as? [String: Any])
        #expect(bound["kind"] as? String == "laplace")
        let objective = (bound["at_lambdas"] as! [String: Any])["objective"] as! [Double]
        #expect(Swift.abs(objective[1] - (log(4.0) + log(8.0) + 4 * 0.5)) < 1e-9)
        #expect(try String(contentsOf: dir.appendingPathComponent("curve.svg"), encoding: .utf8).contains("laplace bound"))
        let run = try json(String(decoding: try Data(contentsOf: dir.appendingPathComponent("lambda-1/run.json")), as: UTF8.self))
        let config = run["config"] as! [String: Any]
        #expect(config["arch"] as? String == "linear" && config["distortion"] as? String == "l1", "\(config)")

        let model = dir.appendingPathComponent("lambda-4").path
        let e = try runRDA(["eval", "--model", model, "--test-examples", "2000", "--json"])
        #expect(e.status == 0, "\(e.stderr)")
        let report = try json(e.stdout)
        let b = try #require(report["bound"] as? [String: Any])
        #expect(b["kind"] as? String == "laplace" && report["bound_note"] == nil)
        #expect(report["objective"] as! Double >= (b["objective"] as! Double) * 0.97)
        let table = try runRDA(["eval", "--model", model, "--test-examples", "2000"])
        #expect(table.status == 0 && table.stdout.contains("exact laplace R(D)"), "\(table.stdout)")

        // the same l1 model read on a Gaussian source has no bound, said in the table and the JSON
        let g = try runRDA(["eval", "--model", model, "--data", "gaussian:2,1", "--test-examples", "500", "--json"])
        #expect(g.status == 0, "\(g.stderr)")
        let gr = try json(g.stdout)
        #expect(gr["bound"] is NSNull && (gr["bound_note"] as? String)?.contains("l2") == true, "\(g.stdout)")
        let gt = try runRDA(["eval", "--model", model, "--data", "gaussian:2,1", "--test-examples", "500"])
        #expect(gt.stdout.contains("bound       none: no exact bound"), "\(gt.stdout)")

        let svg = dir.appendingPathComponent("plot.svg")
        let p = try runRDA(["plot", dir.path, "--out", svg.path])
        #expect(p.status == 0, "\(p.stderr)")
        #expect(try String(contentsOf: svg, encoding: .utf8).contains("absolute error"))
    }

    @Test func laplaceUnderL2TrainsWithoutABound() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runRDA(["train"] + tinyLaplace + ["--distortion", "l2", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("bound       none:") && r.stdout.contains("l1"), "\(r.stdout)")
        let report = try json(String(decoding: try Data(contentsOf: dir.appendingPathComponent("eval.json")), as: UTF8.self))
        #expect(report["bound"] is NSNull && report["bound_note"] is String)
    }
}
