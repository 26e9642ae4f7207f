import Testing
import Foundation
import RDAKernels
import RDATestSupport

/// The AVX-512 convolution blocks that take two groups of 16 output columns at once
/// (`rda_conv_*2_avx512`) sum every element in the order of the one-group blocks and of the
/// AVX2 path: a `spatial` model trained with RDA_ISA=avx2, with avx512 at 1 thread and with
/// avx512 at 2 threads has the same bits. 40 channels make the blocks meet every case: three
/// groups of output columns (a pair, then one alone, the last partly padding) and kernel rows of
/// 160 floats, which 12-row weight-gradient blocks straddle (160 = 13 x 12 + 4).
@Suite("AVX-512 two-group convolution blocks")
struct ConvPairBlocksCLITests {
    @Test("same spatial model bits with avx2, avx512 at 1 thread and avx512 at 2 threads",
          .enabled(if: KernelISA.isSupported(.avx512), "this CPU has no AVX-512: only one variant runs here"))
    func sameBits() throws {
        let root = temporaryFolder("rda-conv-pairs")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try ColourCLITests.imageFolder(root)
        var outputs: [Data] = []
        for (isa, threads) in [("avx2", "2"), ("avx512", "1"), ("avx512", "2")] {
            let out = root.appendingPathComponent("\(isa)-\(threads)")
            let r = try runRDA(["train", "--data", data.path, "--arch", "spatial", "--downsamplings", "2", "--widths", "40",
                                "--latent-channels", "4", "--epochs", "1", "--batch-size", "16", "--seed", "7", "--out", out.path],
                               env: ["RDA_ISA": isa, "RDA_GEMM": "swift", "RDA_THREADS": threads])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(try Data(contentsOf: out.appendingPathComponent("model.safetensors")))
        }
        #expect(outputs[0].count > 0)
        #expect(outputs[1] == outputs[0], "avx512 at 1 thread trained another model than avx2")
        #expect(outputs[2] == outputs[0], "avx512 at 2 threads trained another model than avx2")
    }
}
