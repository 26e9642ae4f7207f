import Foundation
import Testing

/// Issue 25, classes 6 and 8: resume trusts nothing it reads (run.json is validated like the
/// command line, flags beside --resume are refused by name, the state carries a checksum), a
/// full disk at the first checkpoint leaves a folder a rerun accepts, and a folder rda did not
/// make is never written into, even with --force.
@Suite("Resume and output folders trust nothing")
struct ResumeTrustTests {
    static let tiny = ["--data", "gaussian:4,2,1,0.5", "--examples", "1536", "--test-examples", "256", "--epochs", "3",
                       "--batch-size", "32", "--seed", "11", "--checkpoint-steps", "2"]

    /// A run folder that can be resumed: a NaN injected after several checkpoints stops it.
    func resumableRun(_ dir: URL) throws {
        let r = try runRDA(["train"] + Self.tiny + ["--inject-nan-at-step", "60", "--out", dir.path])
        #expect(r.status != 0)
        #expect(fileExists(dir, "run.json") && fileExists(dir, "state.safetensors"), "not resumable: \(r.stderr)")
    }

    @Test func resumeValidatesRunJSONAndRefusesFlags() throws {
        let root = temporaryFolder("rda-trust")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("run")
        try resumableRun(dir)
        let runJSON = dir.appendingPathComponent("run.json")
        let original = try Data(contentsOf: runJSON)
        let edits: [(String, Any)] = [("batchSize", 0), ("batchSize", -1), ("epochs", 0), ("epochs", -3), ("clipNorm", 0),
                                      ("clipNorm", -1), ("testExamples", 0), ("lambda", -2), ("examples", 0), ("latentDim", 0)]
        for (key, value) in edits {
            var record = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            var request = try #require(record["request"] as? [String: Any])
            request[key] = value
            record["request"] = request
            try JSONSerialization.data(withJSONObject: record).write(to: runJSON)
            let flag = "--" + key.reduce(into: "") { $0 += $1.isUppercase ? "-" + $1.lowercased() : String($1) }
            expectCleanFailure(try runRDA(["train", "--resume", dir.path]), mentions: ["run.json", flag])
        }
        try original.write(to: runJSON)

        for flags in [["--epochs", "8"], ["--lambda", "2"], ["--seed", "3"], ["--channel", "quantized"], ["--data", "gaussian:1"],
                      ["--batch-size", "7", "--learning-rate", "0.1"]] {
            let r = try runRDA(["train", "--resume", dir.path] + flags)
            expectCleanFailure(r, mentions: ["--resume"] + flags.filter { $0.hasPrefix("--") })
        }
    }

    @Test func aDamagedStateIsRefused() throws {
        let root = temporaryFolder("rda-trust")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("run")
        try resumableRun(dir)
        let state = dir.appendingPathComponent("state.safetensors")
        let original = [UInt8](try Data(contentsOf: state))
        // A flipped bit in the tensors (the last bytes), and in the header's Adam step.
        var flipped = original
        flipped[flipped.count - 3] ^= 0x04
        try Data(flipped).write(to: state)
        expectCleanFailure(try runRDA(["train", "--resume", dir.path]), mentions: ["state.safetensors", "checksum"])
        let needle = Array("\"rda.adam_step\":\"".utf8)
        let found = try #require((0...(original.count - needle.count)).first { Array(original[$0..<($0 + needle.count)]) == needle })
        let at = found + needle.count
        var edited = original
        edited[at] = edited[at] == UInt8(ascii: "9") ? UInt8(ascii: "8") : edited[at] + 1
        try Data(edited).write(to: state)
        expectCleanFailure(try runRDA(["train", "--resume", dir.path]), mentions: ["state.safetensors", "checksum"])
    }

    /// A run interrupted under one setting (`trained`), resumed under another (`resumed`).
    struct OtherSetup: Sendable, CustomTestStringConvertible {
        let trained: [String: String], resumed: [String: String], mentions: [String]
        var testDescription: String { "\(trained) then \(resumed)" }
    }

    @Test("a run is refused on resume under another GEMM or other convolutions", arguments: [
        OtherSetup(trained: ["RDA_GEMM": "openblas"], resumed: ["RDA_GEMM": "swift"], mentions: ["GEMM openblas", "swift"]),
        OtherSetup(trained: ["RDA_WINOGRAD": "0"], resumed: [:], mentions: ["direct convolutions", "RDA_WINOGRAD=0"]),
    ])
    func anotherSetupIsRefusedOnResume(_ setup: OtherSetup) throws {
        let root = temporaryFolder("rda-trust")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("run")
        let r = try runRDA(["train"] + Self.tiny + ["--inject-nan-at-step", "60", "--out", dir.path], environment: setup.trained)
        #expect(r.status != 0 && fileExists(dir, "state.safetensors"), "\(r.stderr)")
        expectCleanFailure(try runRDA(["train", "--resume", dir.path], environment: setup.resumed), mentions: setup.mentions)
    }

    @Test func aFullDiskAtTheFirstCheckpointLeavesARerunnableFolder() throws {
        let root = temporaryFolder("rda-full")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("run")
        let args = ["train", "--data", "gaussian:4,2,1,0.5", "--examples", "256", "--test-examples", "64", "--epochs", "1",
                    "--arch", "mlp", "--widths", "256,256", "--out", dir.path]
        // Files beyond 1,024,000 bytes fail with EFBIG (bash's ulimit -f counts 1024-byte blocks; SIGXFSZ
        // ignored): the model (about 550 KB) is written, the state (three times as much) is not.
        let rda = productsDirectory.appendingPathComponent("rda").path
        let full = try runProcess(URL(fileURLWithPath: "/bin/bash"), ["-c", "trap '' XFSZ; ulimit -f 1000 && exec \"$0\" \"$@\"", rda] + args)
        expectCleanFailure(full, mentions: [])
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        #expect(!left.contains("run.json") && !left.contains("model.safetensors"), "the failed first checkpoint left \(left)")
        let again = try runRDA(args)
        #expect(again.status == 0, "a rerun was refused: \(again.stderr)")
    }

    @Test func foldersRDADidNotMakeAreRefused() throws {
        let root = temporaryFolder("rda-paths")
        defer { try? FileManager.default.removeItem(at: root) }
        let mine = root.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("my picture".utf8).write(to: mine.appendingPathComponent("samples.png"))
        for force in [[], ["--force"]] {
            let r = try runRDA(["train"] + Self.tiny + force + ["--out", mine.path])
            expectCleanFailure(r, mentions: ["samples.png", "not empty"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: mine.path) == ["samples.png"], "the folder changed (\(force))")
        }
        #expect(try Data(contentsOf: mine.appendingPathComponent("samples.png")) == Data("my picture".utf8))
        let sweep = try runRDA(["sweep", "--lambdas", "1", "--out", mine.path] + Self.tiny)
        expectCleanFailure(sweep, mentions: ["samples.png", "not empty"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: mine.path) == ["samples.png"], "the sweep changed the folder")
        expectCleanFailure(try runRDA(["sweep", "--lambdas", "1", "--out", ""] + Self.tiny), mentions: ["--out"])
        expectCleanFailure(try runRDA(["train"] + Self.tiny + ["--out", "/"]), mentions: ["not empty"])
        expectCleanFailure(try runRDA(["train"] + Self.tiny + ["--out", ""]), mentions: ["--out"])
        #expect(!FileManager.default.fileExists(atPath: "/.rda-lock"))
    }
}
