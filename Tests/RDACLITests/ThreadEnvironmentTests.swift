import Foundation
import Testing

/// Issue 25, class 3: `RDA_THREADS` that is not a count is refused in one line (it used to mean
/// "every core"), and `RDA_GEMM=swift` never opens OpenBLAS (glibc's `LD_DEBUG=libs` lists
/// every library the dynamic loader looks for, found or not).
@Suite("Thread and GEMM environment")
struct ThreadEnvironmentTests {
    @Test(arguments: ["0", "-1", "abc", "1.5", "", "65", "99999999999999999999"])
    func badThreadCountsAreRefused(value: String) throws {
        let r = try runRDA(["train", "--out", temporaryFolder().appendingPathComponent("r").path] + tinyGaussian,
                           environment: ["RDA_THREADS": value])
        expectCleanFailure(r, mentions: ["RDA_THREADS=\"\(value)\"", "1 to 64"])
    }

    @Test func badGEMMBackendIsRefused() throws {
        expectCleanFailure(try runRDA(["sample", "--model", "nowhere"], environment: ["RDA_GEMM": "blas"]), mentions: ["RDA_GEMM=\"blas\"", "swift"])
    }

    @Test func swiftGEMMNeverOpensOpenBLAS() throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("q")
        let train = ["train", "--channel", "quantized", "--lambda", "8", "--out", run.path] + tinyGaussian
        let t = try runRDA(train, environment: ["RDA_GEMM": "swift", "RDA_THREADS": "3", "LD_DEBUG": "libs"])
        #expect(t.status == 0, "\(t.stderr.suffix(2000))")
        #expect(!t.stderr.contains("libopenblas"), "train with RDA_GEMM=swift looked for OpenBLAS")
        let commands: [[String]] = [
            ["sample", "--model", run.path, "--count", "4", "--out", dir.appendingPathComponent("s.json").path],
            ["compress", "--model", run.path, "--count", "4", "--test-examples", "4", "--out", dir.appendingPathComponent("c.rdac").path],
            ["eval", "--model", run.path, "--test-examples", "64"],
        ]
        for args in commands {
            let r = try runRDA(args, environment: ["RDA_GEMM": "swift", "RDA_THREADS": "3", "LD_DEBUG": "libs"])
            #expect(r.status == 0, "\(args[0]): \(r.stderr.suffix(2000))")
            #expect(!r.stderr.contains("libopenblas"), "\(args[0]) with RDA_GEMM=swift looked for OpenBLAS")
        }
        // The control: without RDA_GEMM the loader does look for it (installed or not).
        let control = try runRDA(commands[0], environment: ["LD_DEBUG": "libs"])
        #expect(control.status == 0 && control.stderr.contains("libopenblas"), "the control run did not look for OpenBLAS")
    }
}
