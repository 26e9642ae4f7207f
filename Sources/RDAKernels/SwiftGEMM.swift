// The pure-Swift SGEMM: BLIS-style blocking around the packed micro-kernel.
//
// Loops, outermost first (one part of C per thread):
//   jc over nc-wide column blocks of C
//     pc over kc-deep slices of k          packed op(B)[pc, jc]: kc x nc, in L2
//       ic over mc-tall row blocks         packed op(A)[ic, pc]: mc x kc, in L2
//         jr over nr-wide micro-panels     the B micro-panel stays in L1
//           ir over mr-tall micro-panels   micro-kernel
// Each micro-panel is packed where it is first used (B panel jr on the first row block, A panel
// ir on the first column panel), so with m <= mc, as in training, every B panel is multiplied
// while it is still in L1 (measured 88 -> 100 GFLOP/s on 128x784x512 against packing whole
// blocks up front). The first k slice applies beta to C; later ones accumulate. Block sizes are
// balanced: k = 784 with kc <= 256 becomes 4 slices of 196 rather than 256, 256, 256, 16.
//
// With several threads C is cut into independent parts on micro-tile boundaries, a grid of row
// and column parts (a part packs all the A rows and B columns it covers), whichever a cost model
// of imbalance and repeated packing favours (`splitGrid`). Each thread packs into its own
// buffers (`GEMMScratch`).
enum SwiftGEMM {
    struct Blocking {
        var mc: Int
        var kc: Int
        var nc: Int
    }

    /// Upper bounds of the cache blocks (mc a multiple of mr, nc of nr).
    /// Measured on the training shapes and 512^3 / 1024^3 (single thread, Zen 4): mc from 96 to
    /// 240, kc from 128 to 512 and nc from 384 to 2048 all land within noise of each other
    /// (about 2%); kc = 128 and nc = 384 were slightly slower. mc = 144 keeps the packed A block
    /// (144 x 256 floats, 144 KiB) well inside the 1 MiB L2, and covers m = 128 in one block.
    nonisolated(unsafe) static var blocking = Blocking(mc: 144, kc: 256, nc: 1024)

    /// Products with fewer than this many multiply-adds (m*n*k) run on one thread (the public
    /// entry point applies it; `sgemm(..., threads:)` splits as told). Measured with a spinning
    /// worker: 32^3 runs as fast on one thread as on two (59 vs 56 GFLOP/s), 48^3 gains 30%.
    static let parallelThreshold = 40 * 40 * 40

    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int, isa: KernelISA = KernelISA.active
    ) {
        let mr = MicroKernel.mr
        let nr = isa.nr
        let tilesM = (m + mr - 1) / mr
        let tilesN = (n + nr - 1) / nr
        let grid = threads > 1 ? splitGrid(transA: transA, transB: transB, m: m, n: n, k: k, threads: threads, nr: nr) : (rows: 1, cols: 1)
        let parts = grid.rows * grid.cols
        if parts == 1 {
            block(isa: isa, transA: transA, transB: transB, rows: 0..<m, cols: 0..<n, k: k, alpha: alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        // Part p covers row part p / cols and column part p % cols, cut on micro-tile boundaries.
        func range(_ index: Int, of count: Int, tiles: Int, unit: Int, total: Int) -> Range<Int> {
            let lo = min(total, tiles * index / count * unit)
            let hi = index == count - 1 ? total : min(total, tiles * (index + 1) / count * unit)
            return lo..<max(lo, hi)
        }
        WorkerPool.shared.parallelFor(parts) { part in
            let rows = range(part / grid.cols, of: grid.rows, tiles: tilesM, unit: mr, total: m)
            let cols = range(part % grid.cols, of: grid.cols, tiles: tilesN, unit: nr, total: n)
            if rows.isEmpty || cols.isEmpty { return }
            block(isa: isa, transA: transA, transB: transB, rows: rows, cols: cols, k: k, alpha: alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// The grid (row parts x column parts, at most `threads` parts) C is cut into: the one whose
    /// slowest part costs least in a model of flop equivalents: its padded multiply-adds plus
    /// the packing it does (all of its rows of A and columns of B), at 13 flops per element
    /// copied and 18 per element transposed (the measured packing speeds against about 105
    /// GFLOP/s of arithmetic). For each row-part count the most column parts that fit are
    /// taken (more parts never cost the slowest one more); ties go to fewer row parts.
    /// On two threads this is a choice between columns (every part packs all of A) and rows
    /// (every part packs all of B), checked against measurements: columns win for 128x512x784
    /// NT and 128x512x256 NN (n a multiple of 32: no imbalance), rows for 512x784x128 TN and
    /// 512^3 (3-5%), and they tie for 128x784x512 NN and 1024^3. With many threads and few
    /// tiles along either side (m = 128 is 22 row tiles; 16 threads) a two-way grid keeps every
    /// thread busy and packs each operand fewer times than a one-way cut. Every element of C is
    /// still summed over all of k in one order by one thread: the bits do not depend on the grid.
    static func splitGrid(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, threads: Int,
                          nr: Int = MicroKernel.nr) -> (rows: Int, cols: Int) {
        let mr = MicroKernel.mr
        let tilesM = (m + mr - 1) / mr
        let tilesN = (n + nr - 1) / nr
        let perElementA = transA ? 13.0 : 18.0
        let perElementB = transB ? 18.0 : 13.0
        let kd = Double(k)
        var best = (rows: 1, cols: 1), bestCost = Double.infinity
        for rowParts in 1...max(1, min(threads, tilesM)) {
            let colParts = max(1, min(tilesN, threads / rowParts))
            // The slowest part's rows and columns: padded for the arithmetic; for packing, all
            // of m (n) when that side is not cut, else its padded share.
            let rowsMax = Double((tilesM + rowParts - 1) / rowParts * mr)
            let colsMax = Double((tilesN + colParts - 1) / colParts * nr)
            let rowsPacked = rowParts == 1 ? Double(m) : rowsMax
            let colsPacked = colParts == 1 ? Double(n) : colsMax
            let cost = 2 * rowsMax * colsMax * kd + perElementA * rowsPacked * kd + perElementB * kd * colsPacked
            if cost < bestCost {
                best = (rowParts, colParts)
                bestCost = cost
            }
        }
        return best
    }

    /// Splits `total` into the fewest blocks of at most `limit`, of equal size rounded up to a
    /// multiple of `unit`.
    @inline(__always)
    static func balanced(_ total: Int, limit: Int, unit: Int) -> Int {
        let count = (total + limit - 1) / limit
        let size = (total + count - 1) / count
        return (size + unit - 1) / unit * unit
    }

    /// C[rows, cols] = alpha * op(A)[rows, :] * op(B)[:, cols] + beta * C[rows, cols], one thread,
    /// with the micro-kernel of `isa`.
    static func block(
        isa: KernelISA, transA: Bool, transB: Bool, rows: Range<Int>, cols: Range<Int>, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let mr = MicroKernel.mr
        let nr = isa.nr
        let limits = blocking
        let mc = balanced(rows.count, limit: limits.mc, unit: mr)
        let kc = balanced(k, limit: limits.kc, unit: 1)
        let nc = balanced(cols.count, limit: limits.nc, unit: nr)
        let scratch = GEMMScratch.forCurrentThread(
            a: mc * kc + Packing.packSlack, b: kc * nc + Packing.packSlack,
            minimumA: limits.mc * limits.kc + Packing.packSlack,
            minimumB: limits.kc * limits.nc + Packing.packSlack)
        let packedA = scratch.a
        let packedB = scratch.b

        // Panels are packed where they are first used: B micro-panel jr just before the first
        // row block runs over it, A micro-panel ir during the first column micro-panel. With
        // m <= mc (the training shapes) every B panel is used right after it is packed, from L1.
        var jc = cols.lowerBound
        while jc < cols.upperBound {
            let nb = min(nc, cols.upperBound - jc)
            var pc = 0
            while pc < k {
                let kb = min(kc, k - pc)
                let betaHere: Float = pc == 0 ? beta : 1
                var ic = rows.lowerBound
                while ic < rows.upperBound {
                    let mb = min(mc, rows.upperBound - ic)
                    let firstRowBlock = ic == rows.lowerBound
                    var jr = 0
                    while jr < nb {
                        let w = min(nr, nb - jr)
                        let bPanel = packedB + jr &* kb
                        if firstRowBlock {
                            Packing.packB(transposed: transB, b: b, ldb: ldb, p0: pc, kb: kb,
                                          j0: jc &+ jr, cols: w, nr: nr, dst: bPanel)
                        }
                        var ir = 0
                        while ir < mb {
                            let h = min(mr, mb - ir)
                            let aPanel = packedA + ir &* kb
                            if jr == 0 {
                                Packing.packA(transposed: transA, a: a, lda: lda, i0: ic &+ ir, rows: h,
                                              p0: pc, kb: kb, dst: aPanel)
                            }
                            MicroKernel.run(
                                isa: isa, kc: kb, a: aPanel, b: bPanel,
                                c: c + ((ic &+ ir) &* ldc &+ jc &+ jr), ldc: ldc,
                                rows: h, cols: w, alpha: alpha, beta: betaHere)
                            ir &+= mr
                        }
                        jr &+= nr
                    }
                    ic += mb
                }
                pc += kb
            }
            jc += nb
        }
    }
}
