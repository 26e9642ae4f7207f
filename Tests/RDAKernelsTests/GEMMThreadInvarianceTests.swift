import Foundation
import Testing

@testable import RDAKernels

/// The Swift kernel splits C by rows or columns over the threads, never the summed dimension k,
/// and edge tiles round as full tiles do: the product's bits must not depend on the split.
@Suite("GEMM bits do not depend on the thread split")
struct GEMMThreadInvarianceTests {
    /// Values in [-1, 1) from a fixed seed (not round numbers, so that sums do round).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed &* 0x9E37_79B9_7F4A_7C15 &+ 7
        return (0..<count).map { _ in
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(s >> 40) - (1 << 23)) / Float(1 << 23)
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func sameBitsOnOneToSevenThreads(transposes: (Bool, Bool)) {
        let (transA, transB) = transposes
        // Odd sizes: edge tiles in both directions, k over several kc slices; beta 0, 1 and
        // other, alpha 1 (as training) and other.
        for (m, n, k) in [(37, 53, 300), (130, 45, 97), (7, 200, 530)] {
            let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2), c0 = Self.values(m * n, seed: 3)
            for (alpha, beta): (Float, Float) in [(1, 0), (1, 1), (1, 0.5), (0.7, 1), (0.7, 0.5)] {
                var results: [[UInt32]] = []
                for threads in 1...7 {
                    var c = c0
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                SwiftGEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                                a: ap.baseAddress!, lda: transA ? m : k, b: bp.baseAddress!, ldb: transB ? k : n,
                                                beta: beta, c: cp.baseAddress!, ldc: n, threads: threads)
                            }
                        }
                    }
                    results.append(c.map(\.bitPattern))
                }
                for t in 1..<results.count {
                    #expect(results[t] == results[0], "\(m)x\(n)x\(k) alpha \(alpha) beta \(beta): \(t + 1) threads differ from 1")
                }
                // and it is a product: one entry against a Double sum
                let i = m / 2, j = n / 3
                var ref = Double(beta) * Double(c0[i * n + j])
                for p in 0..<k {
                    let x = transA ? a[p * m + i] : a[i * k + p], y = transB ? b[j * k + p] : b[p * n + j]
                    ref += Double(alpha) * Double(x) * Double(y)
                }
                #expect(abs(Double(Float(bitPattern: results[0][i * n + j])) - ref) < 1e-3)
            }
        }
    }

    /// 16 and 64 parts cut C into a grid of row and column parts (`SwiftGEMM.splitGrid`), on
    /// however many cores there are: the bits must be those of one thread.
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func sameBitsOnSixteenThreads(transposes: (Bool, Bool)) {
        let (transA, transB) = transposes
        for (m, n, k) in [(128, 784, 40), (130, 200, 70), (37, 530, 300)] {
            let grid = SwiftGEMM.splitGrid(transA: transA, transB: transB, m: m, n: n, k: k, threads: 16)
            #expect(grid.rows * grid.cols > 2, "\(m)x\(n)x\(k): \(grid)")
            let a = Self.values(m * k, seed: 4), b = Self.values(k * n, seed: 5), c0 = Self.values(m * n, seed: 6)
            var results: [[UInt32]] = []
            for threads in [1, 16, 64] {
                var c = c0
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            SwiftGEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.7,
                                            a: ap.baseAddress!, lda: transA ? m : k, b: bp.baseAddress!, ldb: transB ? k : n,
                                            beta: 0.5, c: cp.baseAddress!, ldc: n, threads: threads)
                        }
                    }
                }
                results.append(c.map(\.bitPattern))
            }
            #expect(results[1] == results[0], "\(m)x\(n)x\(k): 16 threads differ from 1")
            #expect(results[2] == results[0], "\(m)x\(n)x\(k): 64 threads differ from 1")
            // and it is a product: entries in the first and last row and column against Double sums
            for (i, j) in [(0, 0), (m - 1, n - 1), (m / 2, n - 1), (m - 1, 0)] {
                var ref = 0.5 * Double(c0[i * n + j])
                for p in 0..<k {
                    let x = transA ? a[p * m + i] : a[i * k + p], y = transB ? b[j * k + p] : b[p * n + j]
                    ref += 0.7 * Double(x) * Double(y)
                }
                #expect(abs(Double(Float(bitPattern: results[0][i * n + j])) - ref) < 1e-3)
            }
        }
    }
}
