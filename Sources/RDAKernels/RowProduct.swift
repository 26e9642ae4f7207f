// 1-row products against a B packed once: what coding one example at a time runs (every layer
// a product of one row by a weight matrix that does not change while coding).
//
// The Swift GEMM packs the whole of op(B) on every call; for one row of A that packing is most
// of the work (43% of bits-back coding against 13% in the micro-kernel). `PackedRHS` holds op(B)
// packed as the GEMM packs it (the same k slices, the same micro-panels), so that it can be
// reused, and `GEMM.rowProduct` multiplies one row by it with the row kernel
// (`CRDAKernels/row_kernel.h`): each element of C summed with the micro-kernel's operations in
// its order, so the bits are those of `GEMM.sgemm(backend: .swift, ...)` with m = 1.
import CRDAKernels

/// op(B) (k x n) packed in the Swift GEMM's layout for one instruction set and k blocking: per k
/// slice (`kSlice` deep, the last one shorter), the micro-panels of `isa.nr` columns one after the
/// other, each `kb` steps of `nr` values, zero-padded past column n.
public final class PackedRHS: @unchecked Sendable {
    /// Rows of op(B): the product's reduction length.
    public let k: Int
    /// Columns of op(B): the length of the product's row.
    public let n: Int
    /// The instruction set whose micro-panel width the panels have.
    public let isa: KernelISA
    /// Depth of the k slices (the Swift GEMM's balanced kc for this k).
    public let kSlice: Int
    /// Whether every value of B is finite: then the row product may skip the k steps where the
    /// row is zero (same bits; with an infinite or NaN value, 0 times it is NaN, not nothing).
    public let isFinite: Bool
    let panels: Int
    let storage: UnsafeMutablePointer<Float>

    /// Packs op(B): B is k x n with row stride `ldb`, or n x k when `transposed`.
    public init(transposed: Bool, b: UnsafePointer<Float>, ldb: Int, k: Int, n: Int, isa: KernelISA = KernelISA.active) {
        precondition(k >= 1 && n >= 1, "PackedRHS: empty operand")
        precondition(ldb >= (transposed ? k : n), "PackedRHS: ldb too small")
        precondition(KernelISA.isSupported(isa), "PackedRHS: instruction set not supported by this CPU")
        self.k = k
        self.n = n
        self.isa = isa
        kSlice = PackedRHS.slice(k)
        var finite = true
        for row in 0..<(transposed ? n : k) where finite {
            let r = b + row * ldb
            for j in 0..<(transposed ? k : n) where !r[j].isFinite { finite = false; break }
        }
        isFinite = finite
        let nr = isa.nr
        panels = (n + nr - 1) / nr
        let count = k * panels * nr + Packing.packSlack
        storage = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        var pc = 0
        while pc < k {
            let kb = min(kSlice, k - pc)
            let slice = storage + pc * panels * nr
            for panel in 0..<panels {
                let j0 = panel * nr
                Packing.packB(transposed: transposed, b: b, ldb: ldb, p0: pc, kb: kb, j0: j0,
                              cols: min(nr, n - j0), nr: nr, dst: slice + panel * kb * nr)
            }
            pc += kb
        }
    }

    deinit { UnsafeMutableRawPointer(storage).deallocate() }

    /// The k slice depth the Swift GEMM uses now for a reduction of length k.
    static func slice(_ k: Int) -> Int { SwiftGEMM.balanced(k, limit: SwiftGEMM.blocking.kc, unit: 1) }

    /// Whether a product with this pack gives the bits `GEMM.sgemm(backend: .swift)` gives now:
    /// the same k slices (the GEMM's blocking can be changed) and an instruction set that runs here.
    public var isCurrent: Bool { kSlice == PackedRHS.slice(k) && KernelISA.isSupported(isa) }
}

extension GEMM {
    /// c[0..<n] = alpha * a[0..<k] op(B) + beta * c with op(B) packed in `b`: the bits of
    /// `sgemm(backend: .swift, m: 1, ...)` on the operand `b` was packed from, at any `threads`
    /// (nil: all of `WorkerPool.shared` for at least `SwiftGEMM.parallelThreshold` multiply-adds,
    /// else one), the columns split into parts on panel boundaries. With beta == 0, c is only written.
    /// `skippingZeros` (used only when B `isFinite`) skips the k steps where a is zero: the same
    /// bits, faster for sparse rows (images' blank pixels, ReLU outputs).
    public static func rowProduct(a: UnsafePointer<Float>, b: PackedRHS, alpha: Float = 1, beta: Float = 0,
                                  c: UnsafeMutablePointer<Float>, threads: Int? = nil, skippingZeros: Bool = true) {
        precondition(b.isCurrent, "GEMM.rowProduct: the pack's k slices are not the GEMM's blocking now")
        if alpha == 0 {   // as sgemm: C = beta * C, the product not computed
            scale(m: 1, n: b.n, beta: beta, c: c, ldc: b.n)
            return
        }
        let nr = b.isa.nr
        let wanted = threads.map { max(1, $0) }
            ?? (b.n * b.k < SwiftGEMM.parallelThreshold ? 1 : WorkerPool.shared.threadCount)
        let parts = min(wanted, b.panels)
        let skip = skippingZeros && b.isFinite ? 1 : 0
        func run(_ first: Int, _ last: Int) {
            let cols = min(b.n, last * nr) - first * nr
            var pc = 0
            while pc < b.k {
                let kb = min(b.kSlice, b.k - pc)
                let panel = b.storage + (pc * b.panels + first * kb) * nr
                let betaHere: Float = pc == 0 ? beta : 1
                switch b.isa {
                case .avx512:
                    rda_row_kernel_avx512(kb, a + pc, panel, last - first, kb * nr, c + first * nr, cols, alpha, betaHere, skip)
                case .avx2:
                    rda_row_kernel_avx2(kb, a + pc, panel, last - first, kb * nr, c + first * nr, cols, alpha, betaHere, skip)
                case .baseline:
                    rda_row_kernel_baseline(kb, a + pc, panel, last - first, kb * nr, c + first * nr, cols, alpha, betaHere, skip)
                }
                pc += kb
            }
        }
        if parts <= 1 {
            run(0, b.panels)
            return
        }
        WorkerPool.shared.parallelFor(parts) { part in
            let first = b.panels * part / parts, last = b.panels * (part + 1) / parts
            if first < last { run(first, last) }
        }
    }
}
