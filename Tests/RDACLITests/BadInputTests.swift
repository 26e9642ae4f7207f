import Testing
import Foundation
import RDAIO
import RDATestSupport

/// Every kind of bad input gets a one-line error that names the problem, and a non-zero exit.
@Suite("rda rejects bad input cleanly")
struct BadInputTests {
    @Test(arguments: [
        (["--lambda", "0"], "lambda"), (["--lambda", "-1"], "lambda"), (["--lambda", "inf"], "lambda"), (["--lambda", "nan"], "lambda"),
        (["--latent-dim", "0"], "latent-dim"), (["--batch-size", "0"], "batch-size"), (["--epochs", "0"], "epochs"),
        (["--arch", "transformer"], "arch"), (["--distortion", "l3"], "distortion"), (["--widths", "a,b"], "widths"),
    ])
    func badTrainOptions(_ extra: [String], _ word: String) throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runRDA(["train", "--data", "gaussian:1,1", "--out", dir.path] + extra)
        expectCleanFailure(r, mentions: [word])
    }

    @Test(arguments: [("gaussian:0,1", "not positive"), ("gaussian:-2", "not positive"), ("gaussian:abc", "not a number"), ("gaussian:", "no variances")])
    func badGaussianSpecs(_ spec: String, _ words: String) throws {
        let r = try runRDA(["train", "--data", spec, "--out", temporaryFolder().path])
        expectCleanFailure(r, mentions: [words])
    }

    @Test func countsBelowOne() throws {
        expectCleanFailure(try runRDA(["sample", "--model", "x", "--count", "0"]), mentions: ["count"])
        expectCleanFailure(try runRDA(["reconstruct", "--model", "x", "--count", "0"]), mentions: ["count"])
    }

    @Test func picturesRefuseOtherExtensionsLikeInterpolate() throws {
        // Papercut: `sample --out s.jpg` wrote PNG bytes into s.jpg; refused before the model loads.
        for (command, out) in [("sample", "s.jpg"), ("reconstruct", "r.txt"), ("interpolate", "i.gif"), ("traverse", "t")] {
            expectCleanFailure(try runRDA([command, "--model", "no-such-model", "--out", out]), mentions: ["--out", out, ".png"])
        }
    }

    @Test func parseErrorsEndWithoutADoubledFullStop() throws {
        // "... 'quantized'.; see 'rda train --help'" read as a typo
        let r = try runRDA(["train", "--data", "gaussian:1", "--channel", "morse"])
        expectCleanFailure(r, mentions: ["--channel", "--help"])
        #expect(!r.stderr.contains(".;"), "\(r.stderr)")
    }

    @Test func dataDirThatDoesNotExistIsRefused() throws {
        let r = try runRDA(["train", "--data", "fashion-mnist", "--data-dir", "/no/such/folder", "--out", temporaryFolder().path])
        expectCleanFailure(r, mentions: ["--data-dir", "/no/such/folder", "no such folder"])
    }

    @Test func missingDatasetListsPlacesSearched() throws {
        let empty = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: empty) }
        // every place searched empty, whatever the user's RDA_DATA_DIR and ~/.cache/rda hold
        let r = try runRDA(["train", "--data", "mnist", "--data-dir", empty.path, "--out", temporaryFolder().path],
                           environment: ["RDA_DATA_DIR": empty.path, "HOME": empty.path])
        expectCleanFailure(r, mentions: ["mnist", empty.path, "/usr/share/datasets", "rda data fetch mnist"])
    }

    /// A folder of IDX files whose train images are damaged in one way.
    func idxFolder(damage: (inout [UInt8]) -> Void) throws -> URL {
        let dir = temporaryFolder("rda-idx")
        var pixels = [UInt8](repeating: 0, count: 8 * 28 * 28)
        for i in stride(from: 0, to: pixels.count, by: 7) { pixels[i] = 200 }
        let good = IDXImages(count: 8, rows: 28, cols: 28, pixels: pixels)
        try IDX.writeImages(good, to: dir.appendingPathComponent("t10k-images-idx3-ubyte"))
        var bytes = [UInt8](try IDX.encodeImages(good))
        damage(&bytes)
        try Data(bytes).write(to: dir.appendingPathComponent("train-images-idx3-ubyte"))
        return dir
    }

    @Test func corruptIDXFiles() throws {
        let cases: [(String, (inout [UInt8]) -> Void)] = [
            ("magic", { $0[3] = 0x99 }),
            ("truncated", { $0.removeLast(1000) }),
            ("extra", { $0 += [1, 2, 3] }),
        ]
        for (word, damage) in cases {
            let data = try idxFolder(damage: damage)
            defer { try? FileManager.default.removeItem(at: data) }
            let r = try runRDA(["train", "--data", data.path, "--arch", "mlp", "--batch-size", "4", "--epochs", "1", "--out", temporaryFolder().path])
            expectCleanFailure(r, mentions: [word])
        }
    }

    @Test func badModelFiles() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        #expect(try runRDA(["train"] + tinyGaussian + ["--out", run.path]).status == 0)
        let model = try Data(contentsOf: run.appendingPathComponent("model.safetensors"))
        let evalArgs = { (path: String) in ["eval", "--model", path, "--data", "gaussian:2,1", "--test-examples", "100"] }

        let text = dir.appendingPathComponent("notes.safetensors")
        try Data("hello, not a model".utf8).write(to: text)
        expectCleanFailure(try runRDA(evalArgs(text.path)), mentions: [text.lastPathComponent])

        let truncated = dir.appendingPathComponent("truncated.safetensors")
        try model.prefix(model.count - 10).write(to: truncated)
        expectCleanFailure(try runRDA(evalArgs(truncated.path)), mentions: ["truncated"])

        var file = try SafetensorsFile.read(from: run.appendingPathComponent("model.safetensors"))
        let lacking = dir.appendingPathComponent("lacking.safetensors")
        var smaller = file
        smaller.tensors.removeValue(forKey: "decoder.0.weight")
        try smaller.write(to: lacking)
        expectCleanFailure(try runRDA(evalArgs(lacking.path)), mentions: ["decoder.0.weight"])

        let wrong = dir.appendingPathComponent("wrong.safetensors")
        file.set("encoder.0.weight", shape: [3, 3], values: [Float](repeating: 0, count: 9))
        try file.write(to: wrong)
        expectCleanFailure(try runRDA(evalArgs(wrong.path)), mentions: ["encoder.0.weight", "shape"])

        let noMeta = dir.appendingPathComponent("nometa.safetensors")
        try SafetensorsFile(tensors: file.tensors).write(to: noMeta)
        expectCleanFailure(try runRDA(evalArgs(noMeta.path)), mentions: ["not an rda model"])

        // a model evaluated on data of another shape
        expectCleanFailure(try runRDA(["eval", "--model", run.path, "--data", "gaussian:1,1,1", "--test-examples", "100"]), mentions: ["expects examples of 2"])
        // none of this touched the good model
        #expect(try Data(contentsOf: run.appendingPathComponent("model.safetensors")) == model)
    }

    @Test func unwritableOutputFolder() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let r = try runRDA(["train"] + tinyGaussian + ["--out", blocker.appendingPathComponent("run").path])
        expectCleanFailure(r, mentions: ["cannot write", "--out"])
    }

    @Test func nanStopsTrainingAndKeepsTheLastGoodCheckpoint() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 512 examples / batch 64 = 8 steps per epoch: step 12 is in epoch 2
        let r = try runRDA(["train"] + tinyGaussian + ["--inject-nan-at-step", "12", "--out", dir.path])
        expectCleanFailure(r, mentions: ["step 12", "epoch 2", "objective", "nan"])
        let metrics = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 1)
        let e = try runRDA(["eval", "--model", dir.path, "--data", "gaussian:2,1", "--test-examples", "100", "--json"])
        #expect(e.status == 0, "the epoch-1 checkpoint must load: \(e.stderr)")
        #expect(!e.stdout.contains("nan"))
    }
}
