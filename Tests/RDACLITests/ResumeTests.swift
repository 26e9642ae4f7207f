import Foundation
import Testing
import RDAIO
#if canImport(Glibc)
import Glibc
#endif

/// Starts the built `rda` with `args` and extra environment variables (output discarded unless
/// `capture`).
func startRDA(_ args: [String], env: [String: String] = [:], capture: Bool = false) throws -> (Process, Pipe?, Pipe?) {
    let p = Process()
    p.executableURL = productsDirectory.appendingPathComponent("rda")
    p.arguments = args
    p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    var out: Pipe? = nil, err: Pipe? = nil
    if capture {
        out = Pipe(); err = Pipe()
        p.standardOutput = out; p.standardError = err
    } else {
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
    }
    try p.run()
    return (p, out, err)
}

/// Runs the built `rda` to the end with extra environment variables.
func runRDA(_ args: [String], env: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let (p, out, err) = try startRDA(args, env: env, capture: true)
    let o = out!.fileHandleForReading.readDataToEndOfFile(), e = err!.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

func fileExists(_ dir: URL, _ name: String) -> Bool { FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path) }

/// Kill -9 at random points of training, resume, and compare with the uninterrupted run.
@Suite("Exact resume and run-folder consistency")
struct ResumeTests {
    static let tiny = ["--data", "gaussian:4,2,1,0.5", "--examples", "1536", "--test-examples", "256", "--epochs", "3",
                       "--batch-size", "32", "--seed", "11"]
    /// Checkpoints every 2 steps: kills land before, during and after state writes.
    static let checkpoints = ["--checkpoint-steps", "2"]

    @Test func killedRunsResumeToTheByteIdenticalModel() throws {
        let root = temporaryFolder("rda-resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let reference = root.appendingPathComponent("reference")
        let began = Date()
        let r = try runRDA(["train"] + Self.tiny + Self.checkpoints + ["--out", reference.path], env: [:])
        #expect(r.status == 0, "\(r.stderr)")
        let duration = Date().timeIntervalSince(began)
        let expected = try Data(contentsOf: reference.appendingPathComponent("model.safetensors"))
        let expectedEval = try Data(contentsOf: reference.appendingPathComponent("eval.json"))
        #expect(!fileExists(reference, "state.safetensors"), "the state of a finished run is removed")

        // RDA_RESUME_KILLS raises the number of kills for a longer one-off check.
        let target = Int(ProcessInfo.processInfo.environment["RDA_RESUME_KILLS"] ?? "") ?? 14
        var generator = SystemRandomNumberGenerator()
        var kills = 0, midTraining = 0, trial = 0
        let deadline = Date().addingTimeInterval(target <= 14 ? 25 : 3600)
        while kills < target && Date() < deadline {
            trial += 1
            let dir = root.appendingPathComponent("run-\(trial)")
            var launches = 0
            while true {
                launches += 1
                #expect(launches < 200, "no progress")
                if launches >= 200 { return }
                if fileExists(dir, "eval.json") { break }   // a kill after the run finished writing
                let resumable = fileExists(dir, "state.safetensors") && fileExists(dir, "run.json") && !fileExists(dir, "eval.json")
                let args = resumable ? ["train", "--resume", dir.path] + Self.checkpoints
                                     : ["train"] + Self.tiny + Self.checkpoints + ["--out", dir.path]
                let (p, _, err) = try startRDA(args, capture: true)
                if kills < target && Double.random(in: 0..<1, using: &generator) < 0.9 {
                    usleep(UInt32(Double.random(in: 0.02...0.9, using: &generator) * duration * 1e6))
                    if p.isRunning {
                        kill(p.processIdentifier, SIGKILL)
                        p.waitUntilExit()
                        kills += 1
                        if fileExists(dir, "state.safetensors") { midTraining += 1 }
                        // at every instant: a metrics line only with its checkpoint, one run's files
                        if fileExists(dir, "metrics.jsonl") {
                            #expect(fileExists(dir, "model.safetensors") && fileExists(dir, "run.json"))
                        }
                        if fileExists(dir, "model.safetensors") || fileExists(dir, "state.safetensors") {
                            #expect(fileExists(dir, "run.json"))
                        }
                        continue
                    }
                }
                let message = String(decoding: err!.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                #expect(p.terminationStatus == 0, "trial \(trial) launch \(launches): exit \(p.terminationStatus): \(message) in \((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])")
                if p.terminationStatus != 0 { return }
                if fileExists(dir, "eval.json") { break }
            }
            let model = try Data(contentsOf: dir.appendingPathComponent("model.safetensors"))
            #expect(model == expected, "trial \(trial): the resumed model differs from the uninterrupted run's")
            #expect(try Data(contentsOf: dir.appendingPathComponent("eval.json")) == expectedEval)
            let lines = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
                .split(separator: "\n")
            #expect(lines.count == 3, "metrics.jsonl has \(lines.count) lines")
            for (i, line) in lines.enumerated() { #expect(line.contains("\"epoch\":\(i + 1),")) }
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(!left.contains { $0.hasSuffix(".tmp") }, "temporaries left: \(left)")
        }
        // a loaded machine (the whole suite in parallel) fits fewer kills in the time allowed
        #expect(kills >= min(target, 6), "only \(kills) kills in the time allowed")
        print("resume: \(kills) kills (\(midTraining) after the first checkpoint) over \(trial) runs, every model byte-identical")
    }

    @Test func aFinishedRunIsNotOverwrittenWithoutForce() throws {
        let dir = temporaryFolder("rda-force")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try runRDA(["train"] + Self.tiny + ["--epochs", "1", "--out", dir.path], env: [:])
        #expect(first.status == 0, "\(first.stderr)")
        let files = ["model.safetensors", "metrics.jsonl", "run.json", "eval.json"]
        let before = try files.map { try Data(contentsOf: dir.appendingPathComponent($0)) }
        let again = try runRDA(["train"] + Self.tiny + ["--epochs", "1", "--seed", "12", "--out", dir.path], env: [:])
        expectCleanFailure(again, mentions: ["finished run", "--force"])
        #expect(try files.map { try Data(contentsOf: dir.appendingPathComponent($0)) } == before, "a refused run changed the folder")
        let forced = try runRDA(["train"] + Self.tiny + ["--epochs", "1", "--seed", "12", "--force", "--out", dir.path], env: [:])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("model.safetensors")) != before[0])
        #expect(try String(contentsOf: dir.appendingPathComponent("run.json"), encoding: .utf8).contains("\"seed\" : 12"))
        let resumeFinished = try runRDA(["train", "--resume", dir.path], env: [:])
        expectCleanFailure(resumeFinished, mentions: ["finished"])
    }

    @Test func aFailedRunLeavesNothingBehind() throws {
        let root = temporaryFolder("rda-fail")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("new-run")
        let r = try runRDA(["train", "--data", root.appendingPathComponent("no-such-data").path, "--out", dir.path], env: [:])
        #expect(r.status != 0)
        #expect(!FileManager.default.fileExists(atPath: dir.path), "the failed run left \(dir.path)")
        let existing = root.appendingPathComponent("existing")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: existing.appendingPathComponent("notes.txt"))
        let r2 = try runRDA(["train"] + Self.tiny + ["--batch-size", "5000", "--out", existing.path], env: [:])
        #expect(r2.status != 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: existing.path) == ["notes.txt"])
    }

    @Test func aFolderAnotherProcessWritesIntoIsRefused() throws {
        let dir = temporaryFolder("rda-locked")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = try #require(try FolderLock.acquire(dir, wait: false))
        let r = try runRDA(["train"] + Self.tiny + ["--out", dir.path], env: [:])
        expectCleanFailure(r, mentions: ["another rda process", dir.lastPathComponent])
        let resumed = try runRDA(["train", "--resume", dir.path], env: [:])
        expectCleanFailure(resumed, mentions: ["another rda process"])
        lock.release()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [FolderLock.fileName])
    }

    @Test func staleTemporariesAreRemoved() throws {
        let dir = temporaryFolder("rda-stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        // the pid of a process that has exited
        let (p, _, _) = try startRDA(["--version"])
        p.waitUntilExit()
        let stale = ".model.safetensors.\(p.processIdentifier).12345.tmp"
        try Data(count: 100).write(to: dir.appendingPathComponent(stale))
        let r = try runRDA(["train"] + Self.tiny + ["--epochs", "1", "--out", dir.path], env: [:])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!fileExists(dir, stale))
    }

    @Test func twoSweepsOnOneFolderShareTheLambdas() throws {
        let dir = temporaryFolder("rda-sweeps")
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["sweep", "--lambdas", "0.5,1,2,4"] + Self.tiny + ["--epochs", "2", "--out", dir.path]
        let (a, aOut, aErr) = try startRDA(args, capture: true)
        let (b, bOut, bErr) = try startRDA(args, capture: true)
        var logs: [String] = []
        for (p, _, err) in [(a, aOut, aErr), (b, bOut, bErr)] {
            let text = String(decoding: err!.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(text)")
            logs.append(text)
        }
        _ = aOut; _ = bOut
        for lambda in ["0.5", "1", "2", "4"] {
            let starts = logs.map { $0.components(separatedBy: "== lambda \(lambda) (").count - 1 }.reduce(0, +)
            #expect(starts == 1, "lambda \(lambda) trained \(starts) times:\n\(logs.joined(separator: "\n----\n"))")
            let folder = dir.appendingPathComponent("lambda-\(lambda)")
            let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
        }
        #expect(fileExists(dir, "curve.json"))
    }
}
