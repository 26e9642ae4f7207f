import Testing
import Foundation
import RDAIO
import RDATestSupport

/// Whether `python3` with numpy is on PATH.
let hasPythonNumpy: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import numpy"]
    p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

/// The repository root (this file is Tests/RDACLITests/TorchModelScriptTests.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a program found on PATH.
func runProgram(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runProcess(URL(fileURLWithPath: "/usr/bin/env"), args)
}

/// A folder of random 8x8 IDX images (train and test), seeded.
func tinyImageFolder(count: Int = 48, seed: UInt64 = 7) throws -> URL {
    let dir = temporaryFolder("rda-tiny-idx")
    var state = seed
    func next() -> UInt8 { state = state &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: state >> 56) }
    for name in ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"] {
        let pixels = (0..<count * 64).map { _ in next() }
        try IDX.writeImages(IDXImages(count: count, rows: 8, cols: 8, pixels: pixels), to: dir.appendingPathComponent(name))
    }
    return dir
}

@Suite("scripts/torch_model.py rebuilds a model from its file", .enabled(if: hasPythonNumpy, "needs python3 with numpy"))
struct TorchModelScriptTests {
    @Test(arguments: [["--arch", "conv", "--widths", "2,4"], ["--arch", "mlp", "--widths", "12,6", "--prior", "learned", "--distortion", "l1"],
                      ["--arch", "mlp", "--widths", "12", "--channel", "quantized", "--lambda", "64"],
                      ["--arch", "spatial", "--downsamplings", "2", "--widths", "3", "--prior", "learned"],
                      ["--arch", "resnet", "--widths", "2,4", "--res-blocks", "2", "--hidden", "6", "--prior", "learned"],
                      ["--arch", "spatial", "--downsamplings", "2", "--widths", "3", "--channel", "quantized", "--lambda", "64"]])
    func numpyForwardPassAgreesWithRdaEval(_ archOptions: [String]) throws {
        let data = try tinyImageFolder()
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        let t = try runRDA(["train", "--data", data.path, "--latent-dim", "3", "--epochs", "2", "--batch-size", "16",
                            "--learning-rate", "0.01", "--out", run] + archOptions)
        #expect(t.status == 0, "\(t.stderr)")
        let e = try runRDA(["eval", "--model", run, "--data", data.path, "--json"])
        #expect(e.status == 0, "\(e.stderr)")
        let rda = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        let script = repositoryRoot.appendingPathComponent("scripts/torch_model.py").path
        let p = try runProgram(["python3", script, run + "/model.safetensors", "--idx", data.appendingPathComponent("t10k-images-idx3-ubyte").path])
        #expect(p.status == 0, "\(p.stderr)")
        let py = try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as! [String: Any]
        for key in ["rate_nats", "distortion_mean_latent"] {
            let a = try #require(rda[key] as? Double), b = try #require(py[key] as? Double)
            // float32 (rda) against float64 (numpy) over a few hundred terms
            #expect(Swift.abs(a - b) <= 2e-5 * Swift.max(1, Swift.abs(a)), "\(key): rda \(a), numpy \(b)")
            #expect(a > 0)
        }
        if archOptions.contains("quantized") {   // the model file holds int32 coding tables too
            let names = Array(try SafetensorsFile.read(from: URL(fileURLWithPath: run + "/model.safetensors")).tensors.keys)
            #expect(names.contains { $0.hasPrefix("prior.table_") }, "\(names)")
        }
        #expect(py["examples"] as? Int == rda["examples"] as? Int)
        // a code length: never negative, unlike the density reading
        #expect((rda["bits_per_dim_8bit"] as? Double ?? -1) > 0)
    }
}
