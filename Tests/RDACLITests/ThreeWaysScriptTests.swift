import Testing
import Foundation
import RDATestSupport

/// scripts/three_ways.py on tiny models: its figures are `rda eval`'s and `rda compress`'s on the
/// examples it names (`--split train --count N`: the first N training examples), not the test
/// split's; a `--count` without `--split train` is refused.
@Suite("scripts/three_ways.py")
struct ThreeWaysScriptTests {
    @Test func figuresAreRdasOnTheNamedExamples() throws {
        let data = try tinyImageFolder(count: 64)
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: dir) }
        let g = dir.appendingPathComponent("g").path, q = dir.appendingPathComponent("q").path
        #expect(try runRDA(["train", "--data", data.path, "--arch", "mlp", "--widths", "16", "--latent-dim", "3", "--epochs", "2",
                            "--batch-size", "16", "--out", g]).status == 0)
        #expect(try runRDA(["train", "--data", data.path, "--arch", "mlp", "--widths", "16", "--latent-dim", "3", "--epochs", "2",
                            "--batch-size", "16", "--channel", "quantized", "--out", q]).status == 0)
        let script = repositoryRoot.appendingPathComponent("scripts/three_ways.py").path
        let rda = productsDirectory.appendingPathComponent("rda").path
        let table = dir.appendingPathComponent("t.json").path
        let p = try runProgram(["python3", script, "--rda", rda, "--gaussian", g, "--quantized", q,
                                "--split", "train", "--count", "16", "--out", table])
        #expect(p.status == 0, "\(p.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: table))) as? [[String: Any]])
        let gRow = try #require(rows.first { $0["channel"] as? String == "gaussian" })
        let qRow = try #require(rows.first { $0["channel"] as? String == "quantized" })

        func json(_ args: [String]) throws -> [String: Any] {
            let r = try runRDA(args + ["--json"])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        let file = dir.appendingPathComponent("x.rdac").path
        let first16 = ["--split", "train", "--count", "16"]
        let eval = try json(["eval", "--model", g, "--split", "train", "--examples", "16"])
        let simulated = try json(["compress", "--model", g, "--examples-per-record", "100", "--out", file] + first16)
        let rounded = try json(["compress", "--model", q, "--examples-per-record", "100", "--out", file] + first16)
        let roundedTest = try json(["compress", "--model", q, "--examples-per-record", "100", "--out", file])
        #expect(gRow["rate_bits"] as? Double == eval["rate_bits"] as? Double)
        #expect(gRow["simulated_bits"] as? Double == simulated["bits_per_image"] as? Double)
        #expect(qRow["quantized_bits"] as? Double == rounded["bits_per_image"] as? Double)
        #expect(qRow["quantized_psnr"] as? Double == rounded["psnr_db"] as? Double)
        // the examples named are not the test split's
        #expect(qRow["quantized_psnr"] as? Double != roundedTest["psnr_db"] as? Double)

        let refused = try runProgram(["python3", script, "--rda", rda, "--quantized", q, "--count", "16", "--out", table])
        #expect(refused.status != 0 && refused.stderr.contains("with --split train"), "\(refused.stderr)")
    }
}
