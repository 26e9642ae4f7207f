// Which instruction set the GEMM micro-kernel runs with, chosen once per process.
import CRDAKernels
import Foundation

/// A variant of the C micro-kernel (`CRDAKernels`): one generic source compiled for each
/// instruction set. All variants give the same bits (each element of C is summed over k in the
/// same order with the same fused multiply-adds; see `rda_micro_kernel_fn`), so the choice
/// changes speed, never results.
public enum KernelISA: String, CaseIterable, Sendable, Codable {
    /// Built with the module's flags: runs anywhere (slow where that is SSE2: no FMA unit).
    case baseline
    /// AVX2 + FMA, 8-lane vectors, 6 x 16 tiles (x86-64-v3).
    case avx2
    /// AVX-512 F/BW/DQ/VL, 16-lane vectors, 6 x 32 tiles (x86-64-v4).
    case avx512

    /// Columns of C per micro-tile (values of B per k step in a packed B micro-panel).
    public var nr: Int { self == .avx512 ? 32 : 16 }

    /// The CPU's features as `RDA_CPU_*` bits, read once (cpuid + xgetbv).
    public static let cpuFeatures: UInt32 = rda_cpu_features()

    /// Whether this CPU (and its OS, which must save the wider registers) can run `isa`.
    public static func isSupported(_ isa: KernelISA, features: UInt32 = cpuFeatures) -> Bool {
        switch isa {
        case .baseline: return true
        case .avx2: return features & UInt32(RDA_CPU_AVX2_FMA) != 0
        case .avx512: return features & UInt32(RDA_CPU_AVX512) != 0
        }
    }

    /// The variants this CPU runs, slowest first.
    public static var supported: [KernelISA] { allCases.filter { isSupported($0) } }

    /// The fastest variant `features` allow.
    static func best(features: UInt32) -> KernelISA {
        allCases.last { isSupported($0, features: features) }!
    }

    /// Why a variant runs.
    public enum Reason: String, Sendable, Codable {
        /// The fastest variant this CPU supports (cpuid and xgetbv).
        case detected
        /// Asked for with `RDA_ISA`.
        case forced = "forced_by_RDA_ISA"
    }

    /// The variant that runs, why, and what was wrong with `RDA_ISA` (then the detected
    /// variant runs; the command line refuses to start).
    public struct Selection: Sendable, Equatable {
        public var isa: KernelISA
        public var reason: Reason
        /// A one-line error when `RDA_ISA` names no variant or one this CPU cannot run.
        public var problem: String?
    }

    /// The values `RDA_ISA` accepts.
    public static let requestable: [KernelISA] = [.avx2, .avx512]

    /// The selection for an `RDA_ISA` value (nil or empty: not set) on a CPU with `features`.
    static func select(requested: String?, features: UInt32) -> Selection {
        let best = best(features: features)
        guard let text = requested?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return Selection(isa: best, reason: .detected)
        }
        guard let isa = KernelISA(rawValue: text.lowercased()), requestable.contains(isa) else {
            return Selection(isa: best, reason: .detected,
                             problem: "RDA_ISA must be \(requestable.map(\.rawValue).joined(separator: " or ")), not '\(text)'")
        }
        guard isSupported(isa, features: features) else {
            let what = isa == .avx512
                ? "AVX-512 (F, BW, DQ and VL, with the OS saving the zmm registers)"
                : "AVX2 and FMA (with the OS saving the ymm registers)"
            return Selection(isa: best, reason: .detected,
                             problem: "RDA_ISA=\(isa.rawValue), but this CPU has no \(what); it runs \(best.rawValue)")
        }
        return Selection(isa: isa, reason: .forced)
    }

    /// This process's selection: `RDA_ISA` (validated) or the fastest supported variant.
    public static let selection = select(requested: ProcessInfo.processInfo.environment["RDA_ISA"], features: cpuFeatures)

    /// The variant the GEMM uses.
    public static var active: KernelISA { selection.isa }

    /// The instruction sets found, e.g. "avx2+fma avx512(f,bw,dq,vl)", or "none".
    public static var featureSummary: String {
        let found = [(KernelISA.avx2, "avx2+fma"), (.avx512, "avx512(f,bw,dq,vl)")].filter { isSupported($0.0) }.map(\.1)
        return found.isEmpty ? "none" : found.joined(separator: " ")
    }
}

extension KernelISA {
    /// Runs the FMA peak loop of `isa` (avx2 or avx512, supported here): `iterations` rounds of
    /// 12 independent vector FMAs. Returns the flops done (the result is kept from the optimiser).
    public static func fmaLoop(_ isa: KernelISA, iterations: Int) -> Double {
        precondition(isSupported(isa) && isa != .baseline, "fmaLoop: \(isa) does not run here")
        let sink = isa == .avx512 ? rda_fma_loop_avx512(iterations) : rda_fma_loop_avx2(iterations)
        withExtendedLifetime(sink) {}
        return Double(iterations) * 12 * Double(isa == .avx512 ? 16 : 8) * 2
    }
}
