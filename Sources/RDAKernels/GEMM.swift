// Row-major single-precision matrix product with two interchangeable backends.
import Foundation
import Synchronization

/// Which implementation `GEMM.sgemm` uses.
public enum GEMMBackend: String, CaseIterable, Sendable {
    /// The packed, register-blocked pure-Swift kernel, parallelised over `WorkerPool.shared`.
    case swift
    /// `cblas_sgemm` from OpenBLAS, loaded at run time (falls back to `.swift` when missing).
    case openblas
}

public enum GEMM {
    /// C[m×n] = alpha * op(A) * op(B) + beta * C, row-major, with the current `GEMM.backend`.
    ///
    /// op(A) is m×k (A is stored k×m when `transA`), op(B) is k×n (B is stored n×k when
    /// `transB`); lda, ldb and ldc are the row strides of the stored matrices. With `beta == 0`
    /// C is only written, never read (NaN in C does not propagate). With `k == 0` or
    /// `alpha == 0`, C becomes beta * C.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        sgemm(backend: backend, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
              a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// As `sgemm(transA:...)` with an explicit backend (`.openblas` runs the Swift kernel when
    /// OpenBLAS is not available), the Swift kernel splitting C over `threads` threads of
    /// `WorkerPool.shared` (nil: all of them for products of at least
    /// `SwiftGEMM.parallelThreshold` multiply-adds, else one). `threads: 1` runs the whole
    /// product on the calling thread, as callers that parallelise around GEMM want (a product
    /// made inside a `parallelFor` body would otherwise run its parts one after the other, each
    /// packing the shared operand again). OpenBLAS keeps its own thread count. `isa` picks the
    /// Swift kernel's instruction set (nil: `KernelISA.active`); it must be supported here.
    public static func sgemm(
        backend: GEMMBackend, threads: Int? = nil, isa: KernelISA? = nil, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM: negative dimension")
        precondition(lda >= max(1, transA ? m : k), "GEMM: lda too small")
        precondition(ldb >= max(1, transB ? k : n), "GEMM: ldb too small")
        precondition(ldc >= max(1, n), "GEMM: ldc too small")
        precondition(isa.map { KernelISA.isSupported($0) } ?? true, "GEMM: instruction set not supported by this CPU")
        if m == 0 || n == 0 { return }
        if k == 0 || alpha == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        if backend == .openblas, let blas = OpenBLAS.shared, fitsInt32(m, n, k, lda, ldb, ldc) {
            blas.sgemm(
                OpenBLAS.rowMajor, transA ? OpenBLAS.trans : OpenBLAS.noTrans,
                transB ? OpenBLAS.trans : OpenBLAS.noTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                beta, c, Int32(ldc))
            return
        }
        SwiftGEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                        a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                        threads: threads.map { max(1, $0) }
                            ?? (m * n * k < SwiftGEMM.parallelThreshold ? 1 : WorkerPool.shared.threadCount),
                        isa: isa ?? KernelISA.active)
    }

    /// The backend `sgemm(transA:...)` uses. Default: `.openblas` when it can be loaded, else
    /// `.swift`; the environment variable `RDA_GEMM=swift|openblas` overrides the default.
    public static var backend: GEMMBackend {
        get { GEMMBackend.allCases[selected.load(ordering: .relaxed)] }
        set { selected.store(GEMMBackend.allCases.firstIndex(of: newValue)!, ordering: .relaxed) }
    }

    /// Whether OpenBLAS (`libopenblas.so.0` or `libopenblas.so`) could be loaded.
    public static var isOpenBLASAvailable: Bool { OpenBLAS.shared != nil }

    /// The core type OpenBLAS chose its kernels for (e.g. "Haswell"), when it is loaded.
    public static var openBLASCoreName: String? { OpenBLAS.shared?.coreName }

    private static let selected = Atomic<Int>(GEMMBackend.allCases.firstIndex(of: defaultBackend())!)

    /// The backend RDA_GEMM asks for (`swift` or `openblas`, any case), if any.
    public static let requestedBackend: GEMMBackend? = ProcessInfo.processInfo.environment["RDA_GEMM"].flatMap {
        GEMMBackend(rawValue: $0.lowercased())
    }

    private static func defaultBackend() -> GEMMBackend {
        switch requestedBackend {
        case .swift: return .swift
        case .openblas, nil: return isOpenBLASAvailable ? .openblas : .swift
        }
    }

    private static func fitsInt32(_ values: Int...) -> Bool {
        values.allSatisfy { $0 <= Int(Int32.max) }
    }

    /// C = beta * C over m×n (beta == 0 writes zeros without reading).
    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if beta == 1 { return }
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }
}
