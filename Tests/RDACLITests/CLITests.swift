import Testing
import Foundation

/// Runs the built `rda` executable (beside the test bundle) and returns its exit status and output.
func runRDA(_ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runProcess(productsDirectory.appendingPathComponent("rda"), args, environment: environment)
}

/// Runs `executable` with `args` (and extra environment variables) to the end: its exit status and output.
func runProcess(_ executable: URL, _ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    // both pipes drained at once (a child filling one while we wait on the other would block),
    // retrying reads a signal interrupts (Foundation's readDataToEndOfFile traps on EINTR)
    final class Box: @unchecked Sendable { var data = Data() }
    let e = Box()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { e.data = drain(err.fileHandleForReading) }
    let o = drain(out.fileHandleForReading)
    group.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e.data, as: UTF8.self))
}

/// Everything readable from `handle` until end of file, retrying interrupted reads.
func drain(_ handle: FileHandle) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    let fd = handle.fileDescriptor
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 { data.append(contentsOf: buffer[0..<n]) } else if n < 0 && errno == EINTR { continue } else { break }
    }
    return data
}

/// The folder holding the built products.
var productsDirectory: URL {
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        return bundle.bundleURL.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
}

/// A fresh temporary folder.
func temporaryFolder(_ name: String = "rda-cli") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Expects a clean failure: non-zero status, a single `rda: error:` line (or ArgumentParser's
/// error), no stack trace, and the given words in the message.
func expectCleanFailure(_ r: (status: Int32, stdout: String, stderr: String), mentions words: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status != 0, "expected failure, got success: \(r.stdout)", sourceLocation: sourceLocation)
    #expect(r.status < 128, "crashed with status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(!r.stderr.contains("Backtrac") && !r.stderr.contains("Fatal error"), "stack trace: \(r.stderr)", sourceLocation: sourceLocation)
    let text = r.stderr.lowercased()
    for w in words {
        #expect(text.contains(w.lowercased()), "error does not mention '\(w)': \(r.stderr)", sourceLocation: sourceLocation)
    }
    if r.stderr.hasPrefix("rda: error:") {
        #expect(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1,
                "more than one line: \(r.stderr)", sourceLocation: sourceLocation)
    }
}

/// A tiny Gaussian run: seconds, not minutes.
let tinyGaussian = ["--data", "gaussian:2,1", "--examples", "512", "--test-examples", "512", "--epochs", "2", "--batch-size", "64"]

@Suite("rda command line")
struct CLITests {
    @Test func versionAndHelp() throws {
        let v = try runRDA(["--version"])
        #expect(v.status == 0 && v.stdout.contains("0.1"))
        let h = try runRDA(["--help"])
        #expect(h.status == 0)
        for sub in ["train", "eval", "sample", "reconstruct", "standardize", "bench"] { #expect(h.stdout.contains(sub)) }
    }

    @Test func trainEvalStandardizeOnAGaussianSource() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path
        let t = try runRDA(["train"] + tinyGaussian + ["--prior", "learned", "--out", run])
        #expect(t.status == 0, "\(t.stderr)")
        for f in ["model.safetensors", "metrics.jsonl", "run.json", "eval.json"] {
            #expect(FileManager.default.fileExists(atPath: run + "/" + f), "missing \(f)")
        }
        let lines = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let e = try runRDA(["eval", "--model", run, "--data", "gaussian:2,1", "--test-examples", "2000", "--json"])
        #expect(e.status == 0, "\(e.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        for key in ["rate_nats", "rate_bits", "distortion", "distortion_kind", "lambda", "objective", "mse_per_dim",
                    "nelbo_nats", "bits_per_dim", "examples", "objective_stderr", "bound", "version"] {
            #expect(json[key] != nil, "eval --json lacks \(key)")
        }
        // the Gaussian channel's own figures, in its section
        let channel = try #require(json["channel"] as? [String: Any])
        for key in ["kind", "rate_mc_nats", "rate_mc_stderr", "mi_estimate_nats", "prior_gap_nats"] {
            #expect(channel[key] != nil, "eval --json's channel section lacks \(key)")
        }
        #expect((json["examples"] as? Int) == 2000)
        let bound = json["bound"] as! [String: Any]
        #expect(bound["objective"] != nil && bound["rate_nats"] != nil && bound["distortion"] != nil)
        // standardize keeps rate and distortion for the same eval seed
        let std = dir.appendingPathComponent("std").path
        let s = try runRDA(["standardize", "--model", run, "--out", std])
        #expect(s.status == 0, "\(s.stderr)")
        let e2 = try runRDA(["eval", "--model", std, "--data", "gaussian:2,1", "--test-examples", "2000", "--json"])
        let json2 = try JSONSerialization.jsonObject(with: Data(e2.stdout.utf8)) as! [String: Any]
        for key in ["rate_nats", "distortion"] {
            let a = json[key] as! Double, b = json2[key] as! Double
            #expect(Swift.abs(a - b) <= 1e-4 * Swift.max(1, Swift.abs(a)), "\(key): \(a) vs \(b)")
        }
    }

    @Test func monteCarloRateAndL1DistortionTrain() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try runRDA(["train"] + tinyGaussian + ["--rate", "monte-carlo", "--distortion", "l1", "--lambda", "2", "--out", dir.path])
        #expect(t.status == 0, "\(t.stderr)")
        let e = try runRDA(["eval", "--model", dir.path, "--test-examples", "1000", "--json"])
        let r = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        #expect(r["distortion_kind"] as? String == "l1")
        #expect(r["data"] as? String == "gaussian:2,1")   // eval defaults to the model's own data
        // NELBO = rate + lambda d + D ln(2 / lambda) for the Laplace reading of L1
        let nelbo = r["nelbo_nats"] as! Double, rate = r["rate_nats"] as! Double, d = r["distortion"] as! Double
        #expect(Swift.abs(nelbo - (rate + 2 * d + 2 * Foundation.log(1.0))) < 1e-6 * Swift.max(1, Swift.abs(nelbo)))
        #expect(r["bound"] is NSNull && (r["bound_note"] as? String)?.contains("l2") == true,
                "the Gaussian R(D) is for squared error; an L1 model gets no bound, and is told why")
    }

    @Test func sameSeedSameModel() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["a", "b"] {
            let r = try runRDA(["train"] + tinyGaussian + ["--seed", "7", "--out", dir.appendingPathComponent(name).path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let a = try Data(contentsOf: dir.appendingPathComponent("a/model.safetensors"))
        let b = try Data(contentsOf: dir.appendingPathComponent("b/model.safetensors"))
        #expect(a == b)
    }
}
