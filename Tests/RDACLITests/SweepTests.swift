import Testing
import Foundation

@Suite("rda sweep, bound and plot")
struct SweepTests {
    static let sweepArgs = ["sweep", "--data", "gaussian:2,1", "--examples", "512", "--test-examples", "512",
                            "--epochs", "2", "--batch-size", "64", "--lambdas", "0.5,1,2", "--name", "g"]

    @Test func shardsThenMergeEqualOneSweep() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("whole"), sharded = dir.appendingPathComponent("sharded")
        let w = try runRDA(Self.sweepArgs + ["--out", whole.path])
        #expect(w.status == 0, "\(w.stderr)")
        for f in ["curve.json", "curve.csv", "curve.svg", "lambda-0.5/model.safetensors", "lambda-2/eval.json"] {
            #expect(FileManager.default.fileExists(atPath: whole.appendingPathComponent(f).path), "missing \(f)")
        }
        let s1 = try runRDA(Self.sweepArgs + ["--shard", "1/2", "--out", sharded.path])
        #expect(s1.status == 0 && s1.stderr.contains("--merge"), "\(s1.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sharded.appendingPathComponent("curve.json").path))
        // the second shard runs elsewhere, in its own folder, and is merged from both
        let other = dir.appendingPathComponent("other")
        #expect(try runRDA(Self.sweepArgs + ["--shard", "2/2", "--out", other.path]).status == 0)
        let m = try runRDA(["sweep", "--merge", sharded.path, other.path, "--name", "g", "--out", sharded.path])
        #expect(m.status == 0, "\(m.stderr)")
        let a = try Data(contentsOf: whole.appendingPathComponent("curve.json"))
        let b = try Data(contentsOf: sharded.appendingPathComponent("curve.json"))
        #expect(a == b)
        let curve = try JSONSerialization.jsonObject(with: a) as! [String: Any]
        let results = curve["results"] as! [String: Any]
        #expect((results["lambda"] as! [Double]) == [0.5, 1, 2])
        #expect(((curve["bound"] as! [String: Any])["at_lambdas"]) != nil)
        // resuming reuses every finished run
        let again = try runRDA(Self.sweepArgs + ["--out", whole.path])
        #expect(again.status == 0 && again.stderr.components(separatedBy: "reused").count == 4, "\(again.stderr)")
        // plot overlays curves
        let svg = dir.appendingPathComponent("both.svg")
        let p = try runRDA(["plot", whole.appendingPathComponent("curve.json").path, sharded.path, "--out", svg.path])
        #expect(p.status == 0, "\(p.stderr)")
        #expect(try String(contentsOf: svg, encoding: .utf8).contains("<svg"))
        // --label names the curves; the two sweeps of one source share one bound, drawn once
        let labelled = try runRDA(["plot", whole.path, sharded.path, "--label", "whole sweep", "--label", "two shards", "--out", svg.path])
        #expect(labelled.status == 0, "\(labelled.stderr)")
        let text = try String(contentsOf: svg, encoding: .utf8)
        #expect(text.contains(">whole sweep<") && text.contains(">two shards<"))
        #expect(text.components(separatedBy: "whole sweep, two shards: ").count == 2, "one legend entry for the shared bound")
        expectCleanFailure(try runRDA(["plot", whole.path, sharded.path, "--label", "one", "--out", svg.path]), mentions: ["--label", "2 curves"])
    }

    @Test(arguments: [("", "empty"), ("1,x", "not a number"), ("1,2,1", "twice"), ("0,1", "not positive")])
    func badLambdaLists(_ list: String, _ word: String) throws {
        let r = try runRDA(["sweep", "--data", "gaussian:1", "--lambdas", list, "--out", temporaryFolder().path])
        expectCleanFailure(r, mentions: [word])
    }

    @Test(arguments: ["3/2", "0/0", "0/2", "a/b", "1"])
    func badShardSpecs(_ spec: String) throws {
        let r = try runRDA(["sweep", "--data", "gaussian:1", "--lambdas", "1,2", "--shard", spec, "--out", temporaryFolder().path])
        expectCleanFailure(r, mentions: ["--shard"])
    }

    @Test func mergeRefusesDifferentDataOrDistortion() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["sweep", "--examples", "256", "--test-examples", "256", "--epochs", "1", "--batch-size", "64"]
        #expect(try runRDA(base + ["--data", "gaussian:2,1", "--lambdas", "1", "--out", dir.appendingPathComponent("a").path]).status == 0)
        #expect(try runRDA(base + ["--data", "gaussian:3,1", "--lambdas", "2", "--out", dir.appendingPathComponent("b").path]).status == 0)
        #expect(try runRDA(base + ["--data", "gaussian:2,1", "--distortion", "l1", "--lambdas", "2", "--out", dir.appendingPathComponent("c").path]).status == 0)
        expectCleanFailure(try runRDA(["sweep", "--merge", dir.appendingPathComponent("a").path, dir.appendingPathComponent("b").path]), mentions: ["different data"])
        expectCleanFailure(try runRDA(["sweep", "--merge", dir.appendingPathComponent("a").path, dir.appendingPathComponent("c").path]), mentions: ["different distortion"])
        expectCleanFailure(try runRDA(["sweep", "--merge", dir.appendingPathComponent("nothing").path]), mentions: ["no such sweep folder"])
    }

    @Test func boundPrintsTheGaussianOptimum() throws {
        let r = try runRDA(["bound", "--data", "gaussian:4,2,1,0.5,0.25", "--lambdas", "1,4"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let at = json["at_lambdas"] as! [String: Any]
        let objective = at["objective"] as! [Double]
        #expect(Swift.abs(objective[0] - 4.3294) < 1e-4)
        #expect((json["curve"] as! [String: Any])["rate_nats"] != nil)
    }
}
