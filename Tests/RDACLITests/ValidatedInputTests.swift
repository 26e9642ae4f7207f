import Testing
import Foundation
import RDAIO
import RDATestSupport

/// Issue 10, classes 1-4 and 6 at the command line: every input that used to crash, exhaust
/// memory or write inf/NaN now gets one line and a non-zero exit (or a finite result).
@Suite("rda validates every input before it allocates")
struct ValidatedInputTests {
    /// A folder of IDX image files: training images rows x cols, test images testRows x testCols.
    func imageFolder(rows: Int = 28, cols: Int = 28, testRows: Int = 28, testCols: Int = 28, count: Int = 16) throws -> URL {
        let dir = temporaryFolder("rda-idx")
        func images(_ r: Int, _ c: Int) -> IDXImages {
            IDXImages(count: count, rows: r, cols: c, pixels: (0..<(count * r * c)).map { UInt8(($0 * 37) % 256) })
        }
        try IDX.writeImages(images(rows, cols), to: dir.appendingPathComponent("train-images-idx3-ubyte"))
        try IDX.writeImages(images(testRows, testCols), to: dir.appendingPathComponent("t10k-images-idx3-ubyte"))
        return dir
    }

    /// `--x -5` is the value -5 and reaches the command's own validation.
    @Test(arguments: [
        (["--latent-dim", "-5"], "--latent-dim -5"), (["--lambda", "-1"], "--lambda -1.0"), (["--epochs", "-3"], "--epochs -3"),
        (["--batch-size", "-1"], "--batch-size -1"), (["--learning-rate", "-1e-3"], "--learning-rate -0.001"),
        (["--clip-norm", "-2"], "--clip-norm -2.0"), (["--examples", "-10"], "--examples -10"), (["--lambda", "-inf"], "--lambda -inf"),
    ])
    func negativeNumbersReachValidation(_ extra: [String], _ words: String) throws {
        let r = try runRDA(["train", "--data", "gaussian:1,1", "--out", temporaryFolder().path] + extra)
        expectCleanFailure(r, mentions: [words])
        #expect(!r.stderr.contains("Missing value"))
    }

    /// Parse errors: one `rda: error:` line naming the problem, no usage text.
    @Test(arguments: [
        (["train", "--bogus"], "--bogus"), (["train", "--epochs", "many"], "many"), (["eval", "--model"], "--model"),
        (["frobnicate"], "frobnicate"), (["train", "--arch", "transformer"], "transformer"), (["sample", "--count", "1e12"], "1e12"),
        (["sweep", "--lambdas", "-1,2", "--data", "gaussian:1"], "-1"),
    ])
    func parseErrorsAreOneLine(_ args: [String], _ word: String) throws {
        let r = try runRDA(args)
        expectCleanFailure(r, mentions: [word])
        #expect(r.stderr.hasPrefix("rda: error:"), "\(r.stderr)")
        #expect(!r.stderr.contains("Usage"), "\(r.stderr)")
    }

    /// Requests larger than the machine are refused before anything is allocated.
    @Test func requestsBeyondMemoryAreRefused() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = ["--examples", "64", "--test-examples", "64", "--epochs", "1", "--batch-size", "16"]
        for args in [
            ["--data", "gaussian:1,1", "--arch", "mlp", "--widths", "1000000,1000000"] + small,
            ["--data", "gaussian:1,1", "--test-examples", "1000000000000"],
            ["--data", "gaussian:1,1", "--examples", "100000000000"],
            ["--data", "gaussian:1,1", "--latent-dim", "10000000000"] + small,
        ] {
            let start = Date()
            let r = try runRDA(["train", "--out", dir.appendingPathComponent("r").path] + args)
            expectCleanFailure(r, mentions: ["memory", "this machine has"])
            #expect(Date().timeIntervalSince(start) < 20)
        }
        let images = try imageFolder()
        defer { try? FileManager.default.removeItem(at: images) }
        let conv = try runRDA(["train", "--data", images.path, "--arch", "conv", "--latent-dim", "100000000"] + small.suffix(4) + ["--out", dir.appendingPathComponent("c").path])
        expectCleanFailure(conv, mentions: ["memory"])

        let run = dir.appendingPathComponent("run").path
        #expect(try runRDA(["train"] + tinyGaussian + ["--epochs", "1", "--out", run]).status == 0)
        expectCleanFailure(try runRDA(["sample", "--model", run, "--count", "1000000000000", "--out", dir.appendingPathComponent("s.json").path]), mentions: ["--count", "memory"])
    }

    /// Training and test images of different shapes (even with the same pixel count).
    @Test(arguments: [(28, 28, 32, 32), (28, 28, 14, 56)])
    func trainAndTestShapesMustAgree(_ r: Int, _ c: Int, _ tr: Int, _ tc: Int) throws {
        let images = try imageFolder(rows: r, cols: c, testRows: tr, testCols: tc)
        defer { try? FileManager.default.removeItem(at: images) }
        let out = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try runRDA(["train", "--data", images.path, "--arch", "mlp", "--epochs", "1", "--batch-size", "8", "--out", out.path])
        expectCleanFailure(run, mentions: ["[1, \(r), \(c)]", "[1, \(tr), \(tc)]"])
    }

    /// Lambdas whose float32 value is 0 or infinite.
    @Test func lambdasOutsideFloat32AreRefused() throws {
        let out = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        expectCleanFailure(try runRDA(["train", "--data", "gaussian:1", "--lambda", "1e-320", "--out", out.path]), mentions: ["float32"])
        expectCleanFailure(try runRDA(["train", "--data", "gaussian:1", "--lambda", "1e300", "--out", out.path]), mentions: ["float32"])
        expectCleanFailure(try runRDA(["sweep", "--data", "gaussian:1", "--lambdas", "1,1e-320", "--out", out.path]), mentions: ["float32"])
        expectCleanFailure(try runRDA(["train", "--data", "gaussian:1", "--clip-norm", "inf", "--out", out.path]), mentions: ["clip-norm"])
    }

    /// A run whose losses explode but stay finite is stopped, and nothing holds inf.
    @Test func finiteDivergenceStopsTraining() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runRDA(["train"] + tinyGaussian + ["--learning-rate", "1e4", "--lambda", "100", "--out", dir.path])
        expectCleanFailure(r, mentions: ["diverged", "step"])
        for name in ["metrics.jsonl", "eval.json"] {
            if let text = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) {
                #expect(!text.lowercased().contains("inf") && !text.lowercased().contains("nan"), "\(name): \(text)")
            }
        }
    }

    /// A NaN in the first epoch says that no checkpoint exists, not that one is kept.
    @Test func nanInTheFirstEpochSaysWhatIsTrue() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runRDA(["train"] + tinyGaussian + ["--inject-nan-at-step", "3", "--out", dir.path])
        expectCleanFailure(r, mentions: ["step 3", "no checkpoint was written"])
        #expect(!r.stderr.contains("last good checkpoint"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path))
    }

    @Test func miExamplesAreCapped() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try runRDA(["train"] + tinyGaussian + ["--epochs", "1", "--out", dir.path]).status == 0)
        expectCleanFailure(try runRDA(["eval", "--model", dir.path, "--mi-examples", "10000000"]), mentions: ["--mi-examples", "at most"])
    }

    /// A lambda whose training stops is recorded as failed, reported (not retrained) by a rerun,
    /// and trained again when the options change.
    @Test func sweepRecordsFailedLambdas() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["sweep", "--data", "gaussian:2,1", "--examples", "256", "--test-examples", "256", "--epochs", "1",
                    "--batch-size", "64", "--lambdas", "1,2", "--out", dir.path]
        let first = try runRDA(args + ["--inject-nan-at-step", "2"])
        expectCleanFailure(first, mentions: ["failed to train", "lambda 1,2"])
        for l in ["1", "2"] {
            let record = dir.appendingPathComponent("lambda-\(l)/failed.json")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: record)) as! [String: Any]
            #expect((json["reason"] as? String)?.contains("step 2") == true)
        }
        let again = try runRDA(args + ["--inject-nan-at-step", "2"])
        expectCleanFailure(again, mentions: ["failed to train"])
        #expect(again.stderr.components(separatedBy: "recorded by an earlier run").count == 3, "\(again.stderr)")
        #expect(!again.stderr.contains("training 1 epochs"))
        let fixed = try runRDA(args)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("curve.json").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("lambda-1/failed.json").path))
    }
}
