import Foundation
import RDAKernels

/// Splits 0..<count into contiguous chunks of at least `grain` elements and runs `body(lo, hi)`
/// for each on the shared worker pool; small counts run inline on the calling thread.
@inline(__always)
func parallelRanges(_ count: Int, grain: Int = 1 << 15, _ body: (Int, Int) -> Void) {
    let threads = WorkerPool.shared.threadCount
    if count <= grain || threads == 1 {
        body(0, count)
        return
    }
    let chunks = min(threads, (count + grain - 1) / grain)
    let per = (count + chunks - 1) / chunks
    WorkerPool.shared.parallelFor(chunks) { c in
        let lo = c * per
        let hi = min(count, lo + per)
        if lo < hi { body(lo, hi) }
    }
}

/// Processes `count` items in blocks of `blockSize` on the worker pool. The blocks are dealt
/// into *lanes* of consecutive blocks (`lanesFor`: at most `fixedLanes`, however many threads
/// there are); each lane runs on one thread, block after block, calling
/// `body(lane, start, size, firstOfLane)`. The deal depends only on the counts, never on the
/// thread count or on timing, so per-lane partial sums reduced in lane order give the same bits
/// on any number of threads. GEMMs inside `body` must use `laneGEMM` (the pool is busy).
/// Returns the lane count.
@discardableResult
func forEachBlock(count: Int, blockSize: Int, _ body: (_ lane: Int, _ start: Int, _ size: Int, _ first: Bool) -> Void) -> Int {
    let blocks = (count + blockSize - 1) / blockSize
    let lanes = lanesFor(count: count, blockSize: blockSize)
    WorkerPool.shared.parallelFor(lanes) { lane in
        let b0 = lane * blocks / lanes, b1 = (lane + 1) * blocks / lanes
        for b in b0..<b1 {
            let start = b * blockSize
            body(lane, start, Swift.min(blockSize, count - start), b == b0)
        }
    }
    return lanes
}

/// The number of lanes `forEachBlock` deals `count` items in blocks of `blockSize` into:
/// min(blocks, `fixedLanes`), independent of the thread count (so are the sums per lane).
func lanesFor(count: Int, blockSize: Int) -> Int {
    let blocks = (count + blockSize - 1) / blockSize
    return Swift.max(1, Swift.min(blocks, fixedLanes))
}

/// Lanes of `forEachBlock`, whatever the thread count: enough that up to 4 threads get 4 lanes
/// each (uneven blocks balance out), few enough that reducing the per-lane partial sums stays
/// cheap. More than 16 threads share 16 lanes.
let fixedLanes = 16

/// sink (+)= sum over lanes of parts[lane, 0..<length], lanes added in order: element i is
/// ((parts[0, i] + parts[1, i]) + ...) + parts[lanes - 1, i], then added to the sink's old
/// value (old + sum) when it accumulates. Vectorized across i, 16 elements at a time (the
/// same additions in the same order as the scalar tail: the bits do not depend on the width).
func reduceLanes(_ parts: UnsafePointer<Float>, lanes: Int, length: Int, into sink: GradientSink) {
    let out = sink.pointer, lanes = Swift.max(lanes, 1), accumulate = sink.accumulate
    typealias V = SIMD16<Float>
    parallelRanges(length, grain: 1 << 14) { lo, hi in
        var i = lo
        while i &+ 16 <= hi {
            var acc = UnsafeRawPointer(parts + i).loadUnaligned(as: V.self)
            var l = 1
            while l < lanes {
                acc += UnsafeRawPointer(parts + (l &* length &+ i)).loadUnaligned(as: V.self)
                l &+= 1
            }
            if accumulate { acc = UnsafeRawPointer(out + i).loadUnaligned(as: V.self) + acc }
            UnsafeMutableRawPointer(out + i).storeBytes(of: acc, as: V.self)
            i &+= 16
        }
        while i < hi {
            var acc = parts[i]
            var l = 1
            while l < lanes { acc += parts[l &* length &+ i]; l &+= 1 }
            if accumulate { out[i] += acc } else { out[i] = acc }
            i &+= 1
        }
    }
}

/// Which backend the ops' products use: `GEMMSelector.shared` decides per shape class and
/// thread count (`RDA_GEMM` when set; else the faster backend measured on this machine, for
/// products on the whole pool; the Swift kernel inside parallel lanes on more than one thread,
/// where OpenBLAS would start its own threads from every lane).
public enum ProductBackend {
    /// The backend and reason for a product of `shape` on the whole pool, as `poolGEMM` runs it
    /// (calibrating the shape's class now if it has not been).
    public static func pool(_ shape: GEMMShape) -> GEMMChoice {
        GEMMSelector.shared.choose(shape, threads: WorkerPool.shared.threadCount, context: .pool, product: poolProduct)
    }

    /// The backend and reason for a product of `shape` inside a `forEachBlock` lane (one thread).
    public static func lane(_ shape: GEMMShape) -> GEMMChoice {
        GEMMSelector.shared.choose(shape, threads: WorkerPool.shared.threadCount, context: .lane,
                                   product: GEMMCalibration.plainProduct(threads: 1))
    }

    /// `poolGEMM`'s product with a given backend on packed operands (what calibration times).
    static let poolProduct: GEMMProduct = { backend, shape, a, b, c in
        poolGEMM(backend: backend, transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                 a: a, lda: shape.transA ? shape.m : shape.k, b: b, ldb: shape.transB ? shape.k : shape.n,
                 beta: 0, c: c, ldc: shape.n)
    }
}

/// A product on the whole pool (see `ProductBackend`).
///
/// A product with a long reduction and a small result (k >= 4 max(m, n): the 3136-wide linear
/// layers of the conv model) is split along k into `kSplitParts(k)` slices, a number that
/// depends on k alone (never on the thread count): slice t's sum goes into its own m x n
/// partial, on whichever thread, and the partials are added in slice order, so the bits are the
/// same on any number of threads. Splitting C instead would make every thread pack the whole of
/// the other, large, operand. Every other product splits C by rows or columns only (each element
/// summed over all of k in one order by one thread: see `SwiftGEMM`).
func poolGEMM(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let backend = ProductBackend.pool(GEMMShape(m: m, n: n, k: k, transA: transA, transB: transB)).backend
    poolGEMM(backend: backend, transA: transA, transB: transB, m: m, n: n, k: k,
             a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// `poolGEMM` with the backend given.
func poolGEMM(backend: GEMMBackend, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let parts = kSplitParts(k)
    guard splitsAlongK(backend: backend, m: m, n: n, k: k) else {
        GEMM.sgemm(backend: backend, transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    let partials = Tensor(uninitialized: [parts - 1, m * n])
    let pd = partials.data
    WorkerPool.shared.parallelFor(parts) { t in
        let k0 = k * t / parts, k1 = k * (t + 1) / parts
        let ap = transA ? a + k0 * lda : a + k0      // op(A)[:, k0..<k1]
        let bp = transB ? b + k0 : b + k0 * ldb      // op(B)[k0..<k1, :]
        if t == 0 {
            GEMM.sgemm(backend: .swift, threads: 1, transA: transA, transB: transB, m: m, n: n, k: k1 - k0, alpha: 1,
                       a: ap, lda: lda, b: bp, ldb: ldb, beta: beta, c: c, ldc: ldc)
        } else {
            GEMM.sgemm(backend: .swift, threads: 1, transA: transA, transB: transB, m: m, n: n, k: k1 - k0, alpha: 1,
                       a: ap, lda: lda, b: bp, ldb: ldb, beta: 0, c: pd + (t - 1) * m * n, ldc: n)
        }
    }
    // Each row adds the partials in slice order, whichever thread takes it.
    parallelRanges(m, grain: Swift.max(1, (1 << 14) / Swift.max(n * (parts - 1), 1))) { lo, hi in
        for t in 1..<parts {
            let part = pd + (t - 1) * m * n
            for i in lo..<hi { addInto(c + i * ldc, part + i * n, count: n) }
        }
    }
}

/// Whether `poolGEMM` splits an m x n x k product on `backend` along k (Swift GEMM, a deep and
/// narrow product of at least 2^20 multiply-adds): the one place the rule lives.
func splitsAlongK(backend: GEMMBackend, m: Int, n: Int, k: Int) -> Bool {
    backend == .swift && kSplitParts(k) > 1 && k >= 4 * Swift.max(m, n) && m * n * k >= 1 << 20
}

/// The number of k slices of a split `poolGEMM`: one per 384 of k (slices of at least 384 keep
/// the packing cost small against the arithmetic), at most 8; a function of k alone.
func kSplitParts(_ k: Int) -> Int { Swift.max(1, Swift.min(8, k / 384)) }

/// A single-threaded product for use inside `forEachBlock` lanes (see `ProductBackend`).
@inline(__always)
func laneGEMM(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    GEMM.sgemm(backend: ProductBackend.lane(GEMMShape(m: m, n: n, k: k, transA: transA, transB: transB)).backend, threads: 1, transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
               a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// Runs `body(r)` for every r in 0..<count on the worker pool, in contiguous chunks of at least
/// `grain` rows (inline when that is one chunk). For fused kernels outside RDACore.
public func parallelRows(_ count: Int, grain: Int, _ body: (Int) -> Void) {
    parallelRanges(count, grain: grain) { lo, hi in for r in lo..<hi { body(r) } }
}
