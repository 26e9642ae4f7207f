import Foundation
import RDAKernels
import Testing

@Suite("RDA_ISA")
struct KernelISACLITests {
    @Test("an unknown RDA_ISA is refused with one line before anything runs")
    func unknownValue() throws {
        let r = try runRDA(["bench", "gemm", "--quick", "--threads", "1"], env: ["RDA_ISA": "avx1024"])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "rda: error: RDA_ISA must be avx2 or avx512, not 'avx1024'\n")
    }

    /// `rda bench gemm` names the variant and why, measures the FMA peak of each supported
    /// width, and times the Swift kernel once per variant; `rda bench train` names its variant.
    @Test("bench gemm and bench train report the variant and why")
    func benchReports() throws {
        let forced = KernelISA.supported.contains(.avx2) ? ["RDA_ISA": "avx2"] : [:]
        let r = try runRDA(["bench", "gemm", "--quick", "--threads", "1"], env: forced)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try r.stdout.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let isaLine = try #require(lines.first { $0["kind"] as? String == "isa" })
        #expect(isaLine["isa"] as? String == (forced.isEmpty ? KernelISA.active.rawValue : "avx2"))
        #expect(isaLine["reason"] as? String == (forced.isEmpty ? "detected" : "forced_by_RDA_ISA"))
        let vectorVariants = Set(KernelISA.supported.filter { $0 != .baseline }.map(\.rawValue))
        let peaks = lines.filter { $0["kind"] as? String == "fma_peak" }
        #expect(Set(peaks.compactMap { $0["isa"] as? String }) == vectorVariants)
        #expect(peaks.allSatisfy { ($0["gflops"] as? Double ?? 0) > 0 })
        let timed = lines.filter { $0["backend"] as? String == "swift" && $0["gflops"] != nil }
        #expect(Set(timed.compactMap { $0["isa"] as? String }) == (vectorVariants.isEmpty ? ["baseline"] : vectorVariants))

        let t = try runRDA(["bench", "train", "--synthetic", "--windows", "1", "--steps", "1", "--warmup", "0", "--no-gemm",
                            "--threads", "1"], env: forced)
        #expect(t.status == 0, "\(t.stderr)")
        let summary = try #require(t.stdout.split(separator: "\n").last.flatMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        })
        #expect(summary["kernel_isa"] as? String == (forced.isEmpty ? KernelISA.active.rawValue : "avx2"))
        #expect(summary["kernel_isa_reason"] as? String == (forced.isEmpty ? "detected" : "forced_by_RDA_ISA"))
        #expect(t.stderr.contains("# kernel isa: "))
    }

    // Where the CPU has no AVX-512, forcing it must be refused (here: the machine has it, and
    // this is tested with synthetic CPU features in KernelISASelectionTests).
    @Test("RDA_ISA=avx512 is refused on a CPU without AVX-512",
          .enabled(if: !KernelISA.isSupported(.avx512), "this CPU has AVX-512: nothing to refuse"))
    func avx512Missing() throws {
        let r = try runRDA(["bench", "gemm", "--quick", "--threads", "1"], env: ["RDA_ISA": "avx512"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("rda: error: RDA_ISA=avx512, but this CPU has no AVX-512"))
    }

    /// The kernel variants sum every element in the same order: training with either gives the
    /// same model bits and the same evaluation, so `--resume` may continue on another variant.
    @Test("same model bits with RDA_ISA=avx2 and avx512",
          .enabled(if: KernelISA.isSupported(.avx512), "this CPU has no AVX-512: only one variant runs here"),
          arguments: ["mlp", "conv"])
    func sameBits(arch: String) throws {
        let root = temporaryFolder("rda-isa")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try writeTinyImageSet(to: data, train: 128, test: 32, side: 28)
        var outputs: [[Data]] = []
        for isa in ["avx2", "avx512"] {
            let out = root.appendingPathComponent("\(arch)-\(isa)")
            let r = try runRDA(["train", "--data", data.path, "--arch", arch, "--epochs", "1", "--batch-size", "64",
                                "--widths", arch == "mlp" ? "96,64" : "16,32", "--latent-dim", "8", "--seed", "5", "--out", out.path],
                               env: ["RDA_ISA": isa, "RDA_GEMM": "swift", "RDA_THREADS": "2"])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(try ["model.safetensors", "eval.json"].map { try Data(contentsOf: out.appendingPathComponent($0)) })
        }
        #expect(outputs[0] == outputs[1], "\(arch): AVX2 and AVX-512 kernels trained different models")
    }
}
