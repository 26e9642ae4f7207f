import Testing
import Foundation
import RDAKernels
import RDATestSupport

/// A `spatial` model of 16k channels trains its 4x4 stride-2 convolutions in the Winograd domain
/// (`WinogradConv`): the same bits with RDA_ISA=avx2, with avx512 at 1 thread and at 2 threads
/// (its products are `DirectConv`'s, which sum alike on both), and other bits than the direct
/// products (RDA_WINOGRAD=0), which shows that the Winograd products ran.
@Suite("Winograd convolutions from the command line")
struct WinogradCLITests {
    func train(_ data: URL, _ out: URL, _ env: [String: String]) throws -> Data {
        let r = try runRDA(["train", "--data", data.path, "--arch", "spatial", "--downsamplings", "2", "--widths", "32",
                            "--latent-channels", "16", "--epochs", "1", "--batch-size", "16", "--seed", "7", "--out", out.path],
                           env: env.merging(["RDA_GEMM": "swift"]) { a, _ in a })
        #expect(r.status == 0, "\(r.stderr)")
        return try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
    }

    @Test("same model bits at every instruction set and thread count; other bits with RDA_WINOGRAD=0",
          .enabled(if: KernelISA.isSupported(.avx512), "this CPU has no AVX-512: only one variant runs here"))
    func sameBits() throws {
        let root = temporaryFolder("rda-winograd")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try ColourCLITests.imageFolder(root, side: 16)
        var outputs: [Data] = []
        for (isa, threads) in [("avx2", "2"), ("avx512", "1"), ("avx512", "2")] {
            outputs.append(try train(data, root.appendingPathComponent("\(isa)-\(threads)"), ["RDA_ISA": isa, "RDA_THREADS": threads]))
        }
        #expect(outputs[0].count > 0)
        #expect(outputs[1] == outputs[0], "avx512 at 1 thread trained another model than avx2")
        #expect(outputs[2] == outputs[0], "avx512 at 2 threads trained another model than avx2")
        let direct = try train(data, root.appendingPathComponent("direct"), ["RDA_WINOGRAD": "0", "RDA_THREADS": "1"])
        #expect(direct.count == outputs[0].count)
        #expect(direct != outputs[0], "RDA_WINOGRAD=0 trained the same model: the Winograd products did not run")
    }

    @Test("RDA_WINOGRAD other than 0 or 1 is refused in one line")
    func badSettingIsRefused() throws {
        let r = try runRDA(["bound", "--source", "gaussian"], env: ["RDA_WINOGRAD": "yes"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("RDA_WINOGRAD must be 0"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
}
