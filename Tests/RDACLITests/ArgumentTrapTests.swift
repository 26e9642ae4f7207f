import Foundation
import Testing

/// Issue 25, classes 7 and 10: arguments that overflowed or asked for terabytes, the Laplace
/// source's lost checks, and sweep records with a non-positive lambda: each refused in one line.
@Suite("Arguments that overflow or ask for terabytes")
struct ArgumentTrapTests {
    @Test func hugeCountsAreRefused() throws {
        let root = temporaryFolder("rda-traps")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("r").path
        for epochs in ["9223372036854775807", "1000001"] {
            expectCleanFailure(try runRDA(["train"] + tinyGaussian + ["--epochs", epochs, "--out", out]), mentions: ["--epochs"])
        }
        // The Laplace source: the Gaussian one's checks (n >= 1, memory).
        let laplace = ["train", "--data", "laplace:1", "--epochs", "1", "--out", out]
        expectCleanFailure(try runRDA(laplace + ["--examples", "100000000000"]), mentions: ["--examples", "memory"])
        expectCleanFailure(try runRDA(laplace + ["--examples", "9223372036854775807"]), mentions: ["--examples", "memory"])
        expectCleanFailure(try runRDA(laplace + ["--test-examples", "100000000000"]), mentions: ["--test-examples", "memory"])
        expectCleanFailure(try runRDA(laplace + ["--test-examples", "0"]), mentions: ["--test-examples"])
        #expect(!FileManager.default.fileExists(atPath: out))

        // interpolate and traverse: the grid's size from --steps, --pairs, --dims.
        let data = root.appendingPathComponent("data")
        try writeTinyImageSet(to: data, train: 64, test: 8, side: 28)
        let model = root.appendingPathComponent("m")
        let t = try runRDA(["train", "--data", data.path, "--arch", "mlp", "--widths", "16", "--latent-dim", "4",
                            "--epochs", "1", "--batch-size", "32", "--out", model.path])
        #expect(t.status == 0, "\(t.stderr)")
        let png = root.appendingPathComponent("p.png").path
        for steps in ["9223372036854775807", "1099511627776", "1000000"] {
            expectCleanFailure(try runRDA(["interpolate", "--model", model.path, "--steps", steps, "--out", png]), mentions: ["--steps", "memory"])
            expectCleanFailure(try runRDA(["traverse", "--model", model.path, "--steps", steps, "--out", png]), mentions: ["--steps", "memory"])
        }
        #expect(!FileManager.default.fileExists(atPath: png))
        // Ordinary sizes still work, and --pairs beyond the data is capped by the data.
        #expect(try runRDA(["traverse", "--model", model.path, "--steps", "5", "--out", png]).status == 0)
        #expect(try runRDA(["interpolate", "--model", model.path, "--pairs", "9223372036854775807", "--out", png]).status == 0)
    }

    @Test func sweepRecordsWithANonPositiveLambdaAreRefused() throws {
        let root = temporaryFolder("rda-merge")
        defer { try? FileManager.default.removeItem(at: root) }
        let sweep = root.appendingPathComponent("s")
        let s = try runRDA(["sweep", "--lambdas", "1,2", "--out", sweep.path] + tinyGaussian)
        #expect(s.status == 0, "\(s.stderr)")
        let run = sweep.appendingPathComponent("lambda-2")
        for bad in [0.0, -2.0] {
            for file in ["run.json", "eval.json"] {
                let url = run.appendingPathComponent(file)
                let original = try Data(contentsOf: url)
                var json = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
                if file == "run.json" {
                    var config = try #require(json["config"] as? [String: Any])
                    config["lambda"] = bad
                    json["config"] = config
                } else {
                    json["lambda"] = bad
                }
                try JSONSerialization.data(withJSONObject: json).write(to: url)
                expectCleanFailure(try runRDA(["sweep", "--merge", sweep.path, "--out", root.appendingPathComponent("m").path]),
                                   mentions: ["lambda-2", "lambda"])
                try original.write(to: url)
            }
        }
        #expect(try runRDA(["sweep", "--merge", sweep.path, "--out", root.appendingPathComponent("m").path]).status == 0)
    }
}
