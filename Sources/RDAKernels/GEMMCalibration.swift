// The real timer of the backend choice (GEMMBackendChoice.swift): both backends timed on a shape.
import Foundation

/// The real timer: both backends alternately on the shape, at the current thread count.
public enum GEMMCalibration {
    /// Rounds per backend; each backend's time is the best round's time per product.
    static let rounds = 5
    /// Each round repeats the product until it lasts about this long.
    static let roundSeconds = 0.001

    /// Seconds per product of each backend on `shape` with the pool at `threads` threads
    /// (OpenBLAS's own thread count is the pool's: `Threads.set`). With more than one thread every
    /// product is followed by a short pass of the pool over C, as a training step's elementwise
    /// ops follow its products: OpenBLAS's idle threads, still spinning, slow that pass down.
    /// Takes about 2 x (1 + 5 x 1 ms) plus the warm-up products.
    public static func measure(_ shape: GEMMShape, threads: Int, product: GEMMProduct) -> GEMMTimings {
        let m = shape.m, n = shape.n, k = shape.k
        let a = filled(m * k, seed: 1), b = filled(k * n, seed: 2)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(m * n, 1))
        c.initialize(repeating: 0, count: Swift.max(m * n, 1))
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(threads, 1))
        sink.initialize(repeating: 0, count: Swift.max(threads, 1))
        defer { a.deallocate(); b.deallocate(); c.deallocate(); sink.deallocate() }

        func once(_ backend: GEMMBackend) {
            product(backend, shape, a, b, c)
            guard threads > 1 else { return }
            let count = m * n, parts = threads
            WorkerPool.shared.parallelFor(parts) { part in
                var acc: Float = 0
                for i in (count * part / parts)..<(count * (part + 1) / parts) { acc += c[i] }
                sink[part] = acc
            }
        }
        func seconds(_ backend: GEMMBackend, reps: Int) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps { once(backend) }
            return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(reps)
        }
        let backends: [GEMMBackend] = [.swift, .openblas]
        let warm = backends.map { seconds($0, reps: 1) }
        let reps = backends.indices.map { Swift.max(1, Swift.min(1000, Int(roundSeconds / Swift.max(warm[$0], 1e-7)))) }
        var best = [Double](repeating: .infinity, count: 2)
        for round in 0..<rounds {
            for j in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                best[j] = Swift.min(best[j], seconds(backends[j], reps: reps[j]))
            }
        }
        return GEMMTimings(swift: best[0], openblas: best[1])
    }

    /// The plain product of `GEMM.sgemm(backend:threads:)` on packed operands: all the pool's
    /// threads (for products above `SwiftGEMM.parallelThreshold`), or one.
    public static func plainProduct(threads: Int?) -> GEMMProduct {
        { backend, shape, a, b, c in
            GEMM.sgemm(backend: backend, threads: threads, transA: shape.transA, transB: shape.transB,
                       m: shape.m, n: shape.n, k: shape.k, alpha: 1,
                       a: a, lda: shape.transA ? shape.m : shape.k, b: b, ldb: shape.transB ? shape.k : shape.n,
                       beta: 0, c: c, ldc: shape.n)
        }
    }

    private static func filled(_ count: Int, seed: UInt32) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        var state = seed &* 2_654_435_761 &+ 12345
        for i in 0..<Swift.max(count, 1) {
            state = state &* 1_664_525 &+ 1_013_904_223
            p[i] = Float(state >> 8) / Float(1 << 24) - 0.5
        }
        return p
    }
}
