import CRDAKernels
import Foundation
import Testing

@testable import RDAKernels

/// The features of a CPU with AVX2 + FMA only, and one with AVX-512 as well.
private let avx2Only = UInt32(RDA_CPU_VARIANTS_COMPILED | RDA_CPU_AVX2_FMA)
private let withAVX512 = avx2Only | UInt32(RDA_CPU_AVX512)

@Suite("Kernel ISA selection")
struct KernelISASelectionTests {
    @Test("RDA_ISA unset or empty: the fastest variant the CPU runs")
    func detected() {
        #expect(KernelISA.select(requested: nil, features: withAVX512) == .init(isa: .avx512, reason: .detected))
        #expect(KernelISA.select(requested: "", features: avx2Only) == .init(isa: .avx2, reason: .detected))
        #expect(KernelISA.select(requested: nil, features: 0) == .init(isa: .baseline, reason: .detected))
    }

    @Test("RDA_ISA=avx2|avx512 forces a supported variant, in any case")
    func forced() {
        #expect(KernelISA.select(requested: "avx2", features: withAVX512) == .init(isa: .avx2, reason: .forced))
        #expect(KernelISA.select(requested: "AVX512", features: withAVX512) == .init(isa: .avx512, reason: .forced))
    }

    @Test("unknown values and variants the CPU lacks are refused with one line",
          arguments: [("sse4", withAVX512), ("baseline", withAVX512), ("avx-512", withAVX512), ("avx512", avx2Only), ("avx2", 0)])
    func refused(value: String, features: UInt32) throws {
        let s = KernelISA.select(requested: value, features: features)
        let problem = try #require(s.problem, "\(value) accepted")
        #expect(problem.hasPrefix("RDA_ISA"))
        #expect(!problem.contains("\n"))
        #expect(s.reason == .detected && s.isa == KernelISA.best(features: features))
    }

    /// cpuid + xgetbv agree with the kernel's own view in /proc/cpuinfo (Linux lists AVX-512
    /// only when it saves the zmm state).
    @Test("cpuid agrees with /proc/cpuinfo", .enabled(if: FileManager.default.fileExists(atPath: "/proc/cpuinfo")))
    func agreesWithProcCPUInfo() throws {
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("flags") })
        let flags = Set(line.split(separator: ":")[1].split(separator: " ").map(String.init))
        #if arch(x86_64)
        #expect(KernelISA.isSupported(.avx2) == flags.isSuperset(of: ["avx2", "fma"]))
        #expect(KernelISA.isSupported(.avx512) == flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]))
        #else
        #expect(KernelISA.supported == [.baseline])
        #endif
    }
}

/// C from the whole SGEMM with a given kernel variant, on 1 or 2 threads.
private func product(
    isa: KernelISA, threads: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float
) -> [Float] {
    var state: UInt64 = 0x1234_5678 &+ UInt64(m * 31 + n * 7 + k)
    func values(_ count: Int) -> [Float] {
        (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23)
        }
    }
    let a = values(m * k + 3), b = values(k * n + 3)
    var c = values(m * (n + 2))
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                SwiftGEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                a: pa.baseAddress!, lda: transA ? m : k, b: pb.baseAddress!, ldb: transB ? k : n,
                                beta: beta, c: pc.baseAddress!, ldc: n + 2, threads: threads, isa: isa)
            }
        }
    }
    return c
}

/// Shapes around both tile widths (16 and 32 columns) and the cache blocks, and training shapes.
private let shapes: [(m: Int, n: Int, k: Int)] = [
    (1, 1, 1), (5, 15, 7), (7, 17, 33), (6, 32, 8), (13, 33, 9), (12, 47, 300), (150, 65, 257),
    (128, 784, 64), (64, 128, 784),
]

/// Every variant is one C source (`micro_kernel.h`) compiled for another vector width; each
/// element of C is summed over k in the same order with the same fused multiply-adds, so the
/// variants must agree to the bit (the baseline compiled without target attributes included).
@Suite("Kernel variants give the same bits")
struct KernelVariantBitsTests {
    static func compare(_ isa: KernelISA, with reference: KernelISA) {
        for s in shapes {
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                for (alpha, beta) in [(Float(1), Float(0)), (0.75, 1), (-1.25, 0.3)] {
                    for threads in [1, 2] {
                        let want = product(isa: reference, threads: 1, transA: transA, transB: transB,
                                           m: s.m, n: s.n, k: s.k, alpha: alpha, beta: beta)
                        let got = product(isa: isa, threads: threads, transA: transA, transB: transB,
                                          m: s.m, n: s.n, k: s.k, alpha: alpha, beta: beta)
                        let same = zip(want, got).allSatisfy { $0.bitPattern == $1.bitPattern }
                        #expect(same, "\(isa) vs \(reference): \(s) trans \(transA)/\(transB) α \(alpha) β \(beta) on \(threads) threads")
                    }
                }
            }
        }
    }

    // Needs AVX-512 F/BW/DQ/VL and an OS that saves the zmm registers; elsewhere the variant is
    // compiled but cannot run, and this test is skipped with that reason.
    @Test("AVX-512 (6 x 32 tiles) against AVX2 (6 x 16)",
          .enabled(if: KernelISA.isSupported(.avx512), "this CPU has no AVX-512 (F, BW, DQ, VL): the AVX-512 variant cannot run here"))
    func avx512MatchesAVX2() {
        Self.compare(.avx512, with: .avx2)
    }

    // The baseline variant (the module's flags) is the portable build's kernel: same source.
    @Test("baseline against AVX2",
          .enabled(if: KernelISA.isSupported(.avx2), "this CPU has no AVX2 + FMA: the AVX2 variant cannot run here"))
    func baselineMatchesAVX2() {
        Self.compare(.baseline, with: .avx2)
    }

    /// Each supported variant against a double-precision reference.
    @Test("each variant against the reference product", arguments: KernelISA.supported)
    func againstReference(isa: KernelISA) {
        let (m, n, k) = (37, 70, 301)
        let got = product(isa: isa, threads: 2, transA: false, transB: true, m: m, n: n, k: k, alpha: 0.5, beta: 0)
        // The same inputs, recomputed in Double.
        var state: UInt64 = 0x1234_5678 &+ UInt64(m * 31 + n * 7 + k)
        func values(_ count: Int) -> [Double] {
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Double(Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23))
            }
        }
        let a = values(m * k + 3), b = values(k * n + 3)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += a[i * k + p] * b[j * k + p] }
                worst = max(worst, abs(Double(got[i * (n + 2) + j]) - 0.5 * sum))
            }
        }
        // k = 301 terms of size < 1: float rounding is far below 1e-3.
        #expect(worst < 1e-3, "\(isa): worst error \(worst)")
    }
}
