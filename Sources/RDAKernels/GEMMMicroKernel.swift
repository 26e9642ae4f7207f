// The register-blocked micro-kernel of the GEMM, dispatched to the C variant of the chosen
// instruction set (`KernelISA`, `CRDAKernels/micro_kernel.h`).
//
// It multiplies a packed micro-panel of A (kc steps of `mr` values, one per row) by a packed
// micro-panel of B (kc steps of `nr` values, one per column) and merges the mr x nr result into
// C. The tile is 6 rows by two vectors: 6 x 16 with AVX2 (12 ymm accumulators), 6 x 32 with
// AVX-512 (12 zmm accumulators).
import CRDAKernels

enum MicroKernel {
    /// Rows of C per tile: values of A per k step in a packed A micro-panel (every variant).
    static let mr = 6
    /// Columns of C per tile of the active variant.
    static var nr: Int { KernelISA.active.nr }

    /// C[0..<rows, 0..<cols] = beta * C + alpha * (A panel * B panel), with `beta == 0` never
    /// reading C. `rows <= mr`, `cols <= isa.nr`; the packed panels are zero-padded to full size.
    @inline(__always)
    static func run(
        isa: KernelISA, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
        alpha: Float, beta: Float
    ) {
        switch isa {
        case .avx512: rda_micro_kernel_avx512(kc, a, b, c, ldc, rows, cols, alpha, beta)
        case .avx2: rda_micro_kernel_avx2(kc, a, b, c, ldc, rows, cols, alpha, beta)
        case .baseline: rda_micro_kernel_baseline(kc, a, b, c, ldc, rows, cols, alpha, beta)
        }
    }
}
