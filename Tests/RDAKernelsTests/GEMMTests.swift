import Testing

@testable import RDAKernels

/// A matrix stored row-major with a given row stride, filled from a fixed seed.
private struct StoredMatrix {
    var rows: Int
    var cols: Int
    var ld: Int
    var values: [Float]

    init(rows: Int, cols: Int, ld: Int, seed: UInt64, fill: Float? = nil) {
        self.rows = rows
        self.cols = cols
        self.ld = ld
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        values = (0..<max(rows * ld, 1)).map { _ in
            if let fill { return fill }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23)  // in [-1, 1)
        }
    }

    subscript(i: Int, j: Int) -> Float { values[i * ld + j] }
}

/// C = alpha * op(A) * op(B) + beta * C accumulated in Double (beta == 0 ignores C).
private func reference(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: StoredMatrix, b: StoredMatrix, beta: Float, c: StoredMatrix
) -> [Double] {
    var out = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let x = transA ? a[p, i] : a[i, p]
                let y = transB ? b[j, p] : b[p, j]
                sum += Double(x) * Double(y)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i, j])
            out[i * n + j] = Double(alpha) * sum + old
        }
    }
    return out
}

private struct Case: CustomStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var transA: Bool, transB: Bool
    var alpha: Float = 0.75, beta: Float = -0.5
    var pad = 3  // extra elements per stored row beyond the minimum
    var description: String { "\(m)x\(n)x\(k) \(transA ? "T" : "N")\(transB ? "T" : "N") α=\(alpha) β=\(beta)" }
}

/// Runs one case on `backend` and returns the largest error relative to the size of the terms
/// (|alpha| * sum |a||b| + |beta c|), which is what float rounding scales with.
private func maxRelativeError(_ t: Case, backend: GEMMBackend, threads: Int = 2, cFill: Float? = nil) -> Double {
    let (m, n, k) = (t.m, t.n, t.k)
    let a = t.transA
        ? StoredMatrix(rows: k, cols: m, ld: m + t.pad, seed: 1)
        : StoredMatrix(rows: m, cols: k, ld: k + t.pad, seed: 1)
    let b = t.transB
        ? StoredMatrix(rows: n, cols: k, ld: k + t.pad, seed: 2)
        : StoredMatrix(rows: k, cols: n, ld: n + t.pad, seed: 2)
    var c = StoredMatrix(rows: m, cols: n, ld: n + t.pad, seed: 3, fill: cFill)
    let expected = reference(transA: t.transA, transB: t.transB, m: m, n: n, k: k, alpha: t.alpha,
                             a: a, b: b, beta: t.beta, c: c)
    a.values.withUnsafeBufferPointer { pa in
        b.values.withUnsafeBufferPointer { pb in
            c.values.withUnsafeMutableBufferPointer { pc in
                if backend == .swift && !(t.k == 0 || t.alpha == 0) {
                    // Split into `threads` parts whatever the shared pool's size (tests run in
                    // parallel, so they leave the global thread count alone).
                    SwiftGEMM.sgemm(transA: t.transA, transB: t.transB, m: m, n: n, k: k,
                                    alpha: t.alpha, a: pa.baseAddress!, lda: a.ld, b: pb.baseAddress!, ldb: b.ld,
                                    beta: t.beta, c: pc.baseAddress!, ldc: c.ld, threads: threads)
                } else {
                    GEMM.sgemm(backend: backend, transA: t.transA, transB: t.transB, m: m, n: n, k: k,
                               alpha: t.alpha, a: pa.baseAddress!, lda: a.ld, b: pb.baseAddress!, ldb: b.ld,
                               beta: t.beta, c: pc.baseAddress!, ldc: c.ld)
                }
            }
        }
    }
    var worst = 0.0
    for i in 0..<m {
        for j in 0..<n {
            let got = Double(c[i, j])
            if !got.isFinite { return .infinity }
            // Scale: |alpha| * k (all |a|,|b| < 1) + |beta| (|c| < 1), at least 1.
            let scale = max(1, Double(abs(t.alpha)) * Double(k) + Double(abs(t.beta)))
            worst = max(worst, abs(got - expected[i * n + j]) / scale)
        }
        // Padding past column n must be untouched.
        if t.pad > 0 && cFill == nil {
            let fresh = StoredMatrix(rows: m, cols: n, ld: n + t.pad, seed: 3)
            for j in n..<(n + t.pad) where c[i, j] != fresh[i, j] { return .infinity }
        }
    }
    return worst
}

private let backends: [GEMMBackend] = GEMMBackend.allCases.filter { $0 == .swift || GEMM.isOpenBLASAvailable }

private let oddDimensions = [1, 7, 33, 129]

@Suite("GEMM")
struct GEMMTests {
    @Test("odd sizes, all transposes, both backends", arguments: backends)
    func oddSizes(backend: GEMMBackend) {
        for transA in [false, true] {
            for transB in [false, true] {
                for m in oddDimensions {
                    for n in oddDimensions {
                        for k in oddDimensions where m * n * k <= 129 * 129 * 33 {
                            let t = Case(m: m, n: n, k: k, transA: transA, transB: transB)
                            let error = maxRelativeError(t, backend: backend)
                            #expect(error < 1e-4, "\(backend) \(t): error \(error)")
                        }
                    }
                }
            }
        }
    }

    @Test("sizes around the micro-tile and cache blocks", arguments: backends)
    func blockEdges(backend: GEMMBackend) {
        let mr = MicroKernel.mr, nr = MicroKernel.nr
        let shapes: [(Int, Int, Int)] = [
            (mr - 1, nr + 1, 5), (mr + 1, nr - 1, 17), (2 * mr + 1, 3 * nr + 5, 40),
            (SwiftGEMM.blocking.mc + 5, 2 * nr + 3, 11),   // more than one row block
            (13, 21, SwiftGEMM.blocking.kc + 9),          // more than one k slice
            (9, SwiftGEMM.blocking.nc + 19, 6),           // more than one column block
        ]
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    let t = Case(m: m, n: n, k: k, transA: transA, transB: transB, alpha: -1.25, beta: 0.3, pad: 5)
                    for threads in [1, 2] {
                        let error = maxRelativeError(t, backend: backend, threads: threads)
                        #expect(error < 1e-4, "\(backend) \(threads) threads \(t): error \(error)")
                    }
                }
            }
        }
    }

    @Test("alpha and beta special values", arguments: backends)
    func alphaBeta(backend: GEMMBackend) {
        for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (2.5, 1), (-0.5, 0), (0, 0.5), (0, 0), (1, -1)] {
            let t = Case(m: 37, n: 45, k: 29, transA: false, transB: true, alpha: alpha, beta: beta)
            let error = maxRelativeError(t, backend: backend)
            #expect(error < 1e-4, "\(backend) \(t): error \(error)")
        }
    }

    @Test("beta = 0 overwrites NaN in C", arguments: backends)
    func betaZeroIgnoresNaN(backend: GEMMBackend) {
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            for (m, n, k) in [(7, 33, 5), (64, 48, 70), (1, 1, 1)] {
                let t = Case(m: m, n: n, k: k, transA: transA, transB: transB, alpha: 1.5, beta: 0)
                let error = maxRelativeError(t, backend: backend, cFill: .nan)
                #expect(error < 1e-4, "\(backend) \(t): error \(error)")
            }
        }
    }

    @Test("k = 0 gives beta * C, and beta = 0 zeros even NaN", arguments: backends)
    func emptyInner(backend: GEMMBackend) {
        let a: [Float] = [1]
        let b: [Float] = [1]
        var c: [Float] = [1, 2, 3, 4, 5, 6]
        GEMM.sgemm(backend: backend, transA: false, transB: false, m: 2, n: 3, k: 0, alpha: 1,
                   a: a, lda: 1, b: b, ldb: 3, beta: 0.5, c: &c, ldc: 3)
        #expect(c == [0.5, 1, 1.5, 2, 2.5, 3])
        c = [.nan, .nan, .nan, .nan, .nan, .nan]
        GEMM.sgemm(backend: backend, transA: true, transB: true, m: 2, n: 3, k: 0, alpha: 1,
                   a: a, lda: 2, b: b, ldb: 1, beta: 0, c: &c, ldc: 3)
        #expect(c == [0, 0, 0, 0, 0, 0])
    }

    @Test("m = 0 or n = 0 leave C alone", arguments: backends)
    func emptyOuter(backend: GEMMBackend) {
        let a: [Float] = [1, 2, 3]
        let b: [Float] = [1, 2, 3]
        var c: [Float] = [7, 7, 7]
        GEMM.sgemm(backend: backend, transA: false, transB: false, m: 0, n: 3, k: 1, alpha: 1,
                   a: a, lda: 1, b: b, ldb: 3, beta: 0, c: &c, ldc: 3)
        GEMM.sgemm(backend: backend, transA: false, transB: false, m: 1, n: 0, k: 3, alpha: 1,
                   a: a, lda: 3, b: b, ldb: 1, beta: 0, c: &c, ldc: 1)
        #expect(c == [7, 7, 7])
    }

    @Test("a small product by hand")
    func byHand() {
        // [1 2 3; 4 5 6] * [1 0; 0 1; 1 1] = [4 5; 10 11]
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = [1, 0, 0, 1, 1, 1]
        for backend in backends {
            var c: [Float] = [0, 0, 0, 0]
            GEMM.sgemm(backend: backend, transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 1,
                       a: a, lda: 3, b: b, ldb: 2, beta: 0, c: &c, ldc: 2)
            #expect(c == [4, 5, 10, 11], "\(backend)")
        }
    }

    @Test("the default entry point uses GEMM.backend")
    func defaultBackend() {
        let a: [Float] = [2]
        let b: [Float] = [3]
        var c: [Float] = [1]
        GEMM.sgemm(transA: false, transB: false, m: 1, n: 1, k: 1, alpha: 1, a: a, lda: 1, b: b, ldb: 1,
                   beta: 1, c: &c, ldc: 1)
        #expect(c == [7])
        #expect(GEMMBackend.allCases.contains(GEMM.backend))
        if !GEMM.isOpenBLASAvailable { #expect(GEMM.backend == .swift) }
    }

    @Test("training shapes agree between backends")
    func trainingShapesAgree() {
        // Large enough to use both threads and several blocks; compared against the Double
        // reference only on a sample of entries to stay fast in debug builds.
        for shape in [GEMMShape(m: 128, n: 784, k: 512), GEMMShape(m: 128, n: 512, k: 784, transB: true),
                      GEMMShape(m: 512, n: 784, k: 128, transA: true)] {
            let t = Case(m: shape.m, n: shape.n, k: shape.k, transA: shape.transA, transB: shape.transB,
                         alpha: 1, beta: 0, pad: 0)
            let (m, n, k) = (t.m, t.n, t.k)
            let a = StoredMatrix(rows: t.transA ? k : m, cols: t.transA ? m : k, ld: t.transA ? m : k, seed: 4)
            let b = StoredMatrix(rows: t.transB ? n : k, cols: t.transB ? k : n, ld: t.transB ? k : n, seed: 5)
            var c = [Float](repeating: .nan, count: m * n)
            a.values.withUnsafeBufferPointer { pa in
                b.values.withUnsafeBufferPointer { pb in
                    GEMM.sgemm(backend: .swift, transA: t.transA, transB: t.transB, m: m, n: n, k: k, alpha: 1,
                               a: pa.baseAddress!, lda: a.ld, b: pb.baseAddress!, ldb: b.ld, beta: 0, c: &c, ldc: n)
                }
            }
            var worst = 0.0
            for sample in 0..<200 {
                let i = (sample * 7919) % m, j = (sample * 104_729) % n
                var sum = 0.0
                for p in 0..<k {
                    let x = t.transA ? a[p, i] : a[i, p]
                    let y = t.transB ? b[j, p] : b[p, j]
                    sum += Double(x) * Double(y)
                }
                worst = max(worst, abs(Double(c[i * n + j]) - sum) / Double(k))
            }
            #expect(worst < 1e-5, "\(shape): error \(worst)")
        }
    }
}

@Suite("GEMM work split")
struct GEMMSplitTests {
    @Test("two-thread split follows the measured preferences")
    func splitChoice() {
        func grid(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, threads: Int = 2) -> [Int] {
            let g = SwiftGEMM.splitGrid(transA: transA, transB: transB, m: m, n: n, k: k, threads: threads)
            return [g.rows, g.cols]
        }
        // Column parts where n splits evenly into micro-panels and B is costly to pack twice.
        #expect(grid(false, true, 128, 512, 784) == [1, 2])
        #expect(grid(false, false, 128, 512, 256) == [1, 2])
        // Row parts where the 49 column panels of n = 784 would split 25 / 24.
        #expect(grid(true, false, 512, 784, 128) == [2, 1])
        #expect(grid(false, false, 512, 512, 512) == [2, 1])
        // A single row tile cannot be split by rows, a single column panel not by columns.
        #expect(grid(false, false, 4, 300, 50) == [1, 2])
        #expect(grid(false, false, 300, 16, 50) == [2, 1])
        // One tile: one part.
        #expect(grid(false, false, 6, 16, 50, threads: 16) == [1, 1])
    }

    @Test("many threads: a grid that uses them and fits the tiles")
    func manyThreads() {
        for (m, n, k) in [(128, 784, 512), (128, 256, 512), (784, 512, 128), (64, 6272, 512), (12, 40, 300), (3000, 20, 64)] {
            for threads in [3, 4, 8, 16, 64] {
                let g = SwiftGEMM.splitGrid(transA: false, transB: false, m: m, n: n, k: k, threads: threads)
                let tilesM = (m + MicroKernel.mr - 1) / MicroKernel.mr, tilesN = (n + MicroKernel.nr - 1) / MicroKernel.nr
                #expect(g.rows >= 1 && g.cols >= 1 && g.rows * g.cols <= threads, "\(m)x\(n)x\(k) on \(threads): \(g)")
                #expect(g.rows <= tilesM && g.cols <= tilesN)
                // No thread idle while tiles are left to split: at least min(threads, tiles) / 2 parts.
                #expect(g.rows * g.cols * 2 >= min(threads, tilesM * tilesN), "\(m)x\(n)x\(k) on \(threads): \(g)")
            }
        }
        // The training product 128x784x512 on 16 threads is cut both ways (each part packs less).
        let g = SwiftGEMM.splitGrid(transA: false, transB: true, m: 128, n: 784, k: 512, threads: 16)
        #expect(g.rows > 1 && g.cols > 1, "\(g)")
    }
}

@Suite("GEMM explicit thread count")
struct GEMMThreadsTests {
    @Test("threads: 1 and 2 give the reference result", arguments: [1, 2])
    func explicitThreads(threads: Int) {
        let (m, n, k) = (70, 90, 65)
        let a = (0..<(m * k)).map { Float(($0 * 37) % 101) / 101 - 0.5 }
        let b = (0..<(k * n)).map { Float(($0 * 53) % 97) / 97 - 0.5 }
        var c = [Float](repeating: .nan, count: m * n)
        GEMM.sgemm(backend: .swift, threads: threads, transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                   a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                worst = max(worst, abs(Double(c[i * n + j]) - sum))
            }
        }
        #expect(worst < 1e-4 * Double(k), "error \(worst)")
    }
}
