import Testing
import Foundation

@Suite("A newcomer's papercuts")
struct NewcomerTests {
    @Test func unknownCommandNamesTheClosestOne() throws {
        let r = try runRDA(["trian", "--data", "mnist"])
        expectCleanFailure(r, mentions: ["unknown command 'trian'", "did you mean 'train'?"])
        #expect(!r.stderr.contains("--data"))
        let nested = try runRDA(["bench", "gemn"])
        expectCleanFailure(nested, mentions: ["unknown command 'gemn'", "'gemm'"])
        let far = try runRDA(["frobnicate"])
        expectCleanFailure(far, mentions: ["unknown command 'frobnicate'", "train", "eval", "data"])
        // real commands and help still work
        #expect(try runRDA(["help", "train"]).status == 0)
        #expect(try runRDA(["data", "fetch", "--help"]).status == 0)
    }

    @Test func helpTextsOfferOnlyWhatTheCommandTakes() throws {
        let sweep = try runRDA(["sweep", "--help"])
        #expect(sweep.stdout.contains("--lambdas") && !sweep.stdout.contains("--lambda "), "\(sweep.stdout)")
        let train = try runRDA(["train", "--help"])
        #expect(train.stdout.contains("--lambda "))
        let bench = try runRDA(["bench", "train", "--help"])
        #expect(bench.stdout.contains("mlp") && !bench.stdout.contains("linear"), "\(bench.stdout)")
        expectCleanFailure(try runRDA(["bench", "train", "--arch", "linear"]), mentions: ["linear"])
        for command in ["eval", "reconstruct"] {
            let h = try runRDA([command, "--help"])
            #expect(h.stdout.contains("training split"), "\(command): \(h.stdout)")
        }
        let top = try runRDA(["--help"])
        #expect(top.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("rda data fetch mnist"))
        // the route that works offline on Debian comes first, as in the README
        let flat = top.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")   // help text is wrapped
        let apt = try #require(flat.range(of: "apt-get install -y dataset-fashion-mnist"), "\(flat)")
        #expect(apt.lowerBound < flat.range(of: "rda data fetch mnist")!.lowerBound, "\(flat)")
        #expect(flat.contains("rda train --data fashion-mnist"))
    }

    @Test func unwritableOutputFolderSaysWhatFailed() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        let r = try runRDA(["train"] + tinyGaussian + ["--out", file.appendingPathComponent("run").path])
        expectCleanFailure(r, mentions: ["cannot write to output folder", "is a file, not a folder", "--out"])
        #expect(!r.stderr.contains("could not be completed"))
        if FileManager.default.fileExists(atPath: "/proc/self") {
            let p = try runRDA(["train"] + tinyGaussian + ["--out", "/proc/nope"])
            expectCleanFailure(p, mentions: ["cannot create folder nope inside /proc", "--out"])
            #expect(!p.stderr.contains("could not be completed"))
        }
    }

    @Test func evaluatingOnOtherDataWarnsButRuns() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        #expect(try runRDA(["train"] + tinyGaussian + ["--out", run]).status == 0)
        let same = try runRDA(["eval", "--model", run, "--data", "gaussian:2,1", "--test-examples", "500"])
        #expect(same.status == 0 && !same.stderr.contains("warning"), "\(same.stderr)")
        let implicit = try runRDA(["eval", "--model", run, "--test-examples", "500"])
        #expect(implicit.status == 0 && !implicit.stderr.contains("warning"), "\(implicit.stderr)")
        let other = try runRDA(["eval", "--model", run, "--data", "gaussian:3,1", "--test-examples", "500"])
        #expect(other.status == 0)
        #expect(other.stderr.contains("warning: the model was trained on gaussian:2,1, not gaussian:3,1"), "\(other.stderr)")
    }

    @Test func modelFilesRecordExamplesAndDataSeed() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        #expect(try runRDA(["train"] + tinyGaussian + ["--data-seed", "9", "--out", run]).status == 0)
        // the safetensors header: 8-byte little-endian length, then JSON with __metadata__
        let blob = try Data(contentsOf: URL(fileURLWithPath: run + "/model.safetensors"))
        let length = blob.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: blob.subdata(in: 8..<(8 + length))) as! [String: Any]
        let meta = header["__metadata__"] as! [String: String]
        let data = try JSONSerialization.jsonObject(with: Data(meta["rda.data"]!.utf8)) as! [String: Any]
        #expect(data["examples"] as? Int == 512 && data["data_seed"] as? Int == 9 && data["data"] as? String == "gaussian:2,1")
        let arch = try JSONSerialization.jsonObject(with: Data(meta["rda.architecture"]!.utf8)) as! [String: Any]
        #expect((arch["encoder"] as? [[String: Any]])?.first?["kind"] as? String == "linear")
    }
}
