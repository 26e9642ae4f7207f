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
