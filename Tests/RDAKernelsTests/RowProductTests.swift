import Testing

@testable import RDAKernels

/// `GEMM.rowProduct` over a `PackedRHS` must give the bits of the Swift GEMM with m = 1 on the
/// operand it was packed from: bits-back coding replaces those products by it, and its files
/// (decoded by recomputing the encoder's tables) must not change.
@Suite("1-row products against a packed B")
struct RowProductTests {
    /// Values in [-1, 1) from a fixed seed (not round numbers, so that sums do round).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        GEMMThreadInvarianceTests.values(count, seed: seed)
    }

    /// c = alpha * a op(B) + beta * c0 by the Swift GEMM (m = 1) and by the row product.
    static func both(isa: KernelISA, transposed: Bool, k: Int, n: Int, alpha: Float, beta: Float,
                     threads: Int, zeros: Int = 0) -> (gemm: [UInt32], row: [UInt32]) {
        // `zeros` of every 10 values of the row are +0 or -0 (as blank pixels and ReLU outputs).
        let a = values(k, seed: 11).enumerated().map { $0.offset % 10 < zeros ? ($0.offset % 3 == 0 ? -0.0 : 0) : $0.element }
        let b = values(k * n, seed: 12), c0 = values(n, seed: 13)
        return both(isa: isa, transposed: transposed, k: k, n: n, alpha: alpha, beta: beta, threads: threads, a: a, b: b, c0: c0)
    }

    static func both(isa: KernelISA, transposed: Bool, k: Int, n: Int, alpha: Float, beta: Float,
                     threads: Int, a: [Float], b: [Float], c0: [Float]) -> (gemm: [UInt32], row: [UInt32]) {
        var gemm = c0, row = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let ldb = transposed ? k : n
                gemm.withUnsafeMutableBufferPointer { cp in
                    SwiftGEMM.sgemm(transA: false, transB: transposed, m: 1, n: n, k: k, alpha: alpha,
                                    a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: ldb,
                                    beta: beta, c: cp.baseAddress!, ldc: n, threads: 1, isa: isa)
                }
                let packed = PackedRHS(transposed: transposed, b: bp.baseAddress!, ldb: ldb, k: k, n: n, isa: isa)
                row.withUnsafeMutableBufferPointer { cp in
                    GEMM.rowProduct(a: ap.baseAddress!, b: packed, alpha: alpha, beta: beta, c: cp.baseAddress!, threads: threads)
                }
            }
        }
        return (gemm.map(\.bitPattern), row.map(\.bitPattern))
    }

    @Test("same bits as the Swift GEMM with one row, every variant, both layouts of B", arguments: [false, true])
    func sameBitsAsGEMM(transposed: Bool) {
        // k over one and several k slices (784 = 4 x 196), n over edge panels, fewer panels
        // than a group of 4, and several groups; beta 0 (as the layers), 1 and other.
        let shapes = [(1, 1), (5, 17), (97, 33), (300, 45), (784, 512), (530, 100), (256, 129)]
        for isa in KernelISA.supported {
            for (k, n) in shapes {
                for (alpha, beta): (Float, Float) in [(1, 0), (1, 1), (0.7, 0.5), (1, 0.25)] {
                    for threads in [1, 2, 3] {
                        for zeros in [0, 6, 10] {   // dense, sparse, all zero (the skipped steps)
                            let r = Self.both(isa: isa, transposed: transposed, k: k, n: n, alpha: alpha, beta: beta,
                                              threads: threads, zeros: zeros)
                            #expect(r.gemm == r.row, "\(isa) k \(k) n \(n) alpha \(alpha) beta \(beta) threads \(threads) zeros \(zeros)/10")
                        }
                    }
                }
            }
        }
    }

    @Test("skipped zero steps: a sum that underflowed to -0 gets the full sum's sign of zero")
    func negativeZeroSums() {
        // Step 0 adds -2^-160, which rounds to -0; step 1 adds 0 * b1: +0 (b1 = 1: the full sum
        // ends at +0, the sum without the zero step at -0) or -0 (b1 = -1: both -0). B is k x n.
        let tiny = Float(sign: .minus, exponent: -100, significand: 1), small = Float(sign: .plus, exponent: -60, significand: 1)
        let a: [Float] = [tiny, 0], b: [Float] = [small, small, 1, -1]
        for isa in KernelISA.supported {
            let r = Self.both(isa: isa, transposed: false, k: 2, n: 2, alpha: 1, beta: 0, threads: 1, a: a, b: b, c0: [7, 7])
            #expect(r.gemm == [0, 0x8000_0000], "\(isa): the GEMM's signs")
            #expect(r.row == r.gemm, "\(isa)")
        }
    }

    @Test("a B with an infinite value is multiplied at every step (0 times infinity is NaN)")
    func nonFiniteB() {
        let k = 20, n = 3
        var b = Self.values(k * n, seed: 3)
        b[4 * n + 1] = .infinity
        let a = Self.values(k, seed: 4).enumerated().map { $0.offset == 4 ? 0 : $0.element }
        let packed = b.withUnsafeBufferPointer { PackedRHS(transposed: false, b: $0.baseAddress!, ldb: n, k: k, n: n) }
        #expect(!packed.isFinite)
        let r = Self.both(isa: .baseline, transposed: false, k: k, n: n, alpha: 1, beta: 0, threads: 1, a: a, b: b, c0: [0, 0, 0])
        #expect(Float(bitPattern: r.gemm[1]).isNaN)
        #expect(r.row == r.gemm)
    }

    @Test("alpha 0 scales C as the GEMM does, without the product")
    func alphaZero() {
        let r = Self.both(isa: .baseline, transposed: true, k: 40, n: 20, alpha: 0, beta: 0.5, threads: 1)
        #expect(r.gemm == r.row)
    }

    @Test("a pack holds op(B): packing B or its transpose gives the same product")
    func transposedLayouts() {
        // B stored k x n, and the same matrix stored n x k: equal products, and not all zero.
        let k = 70, n = 40
        let b = Self.values(k * n, seed: 5), a = Self.values(k, seed: 6)
        var bt = [Float](repeating: 0, count: k * n)
        for p in 0..<k { for j in 0..<n { bt[j * k + p] = b[p * n + j] } }
        var c1 = [Float](repeating: 0, count: n), c2 = c1
        let p1 = b.withUnsafeBufferPointer { PackedRHS(transposed: false, b: $0.baseAddress!, ldb: n, k: k, n: n) }
        let p2 = bt.withUnsafeBufferPointer { PackedRHS(transposed: true, b: $0.baseAddress!, ldb: k, k: k, n: n) }
        a.withUnsafeBufferPointer { ap in
            c1.withUnsafeMutableBufferPointer { GEMM.rowProduct(a: ap.baseAddress!, b: p1, c: $0.baseAddress!) }
            c2.withUnsafeMutableBufferPointer { GEMM.rowProduct(a: ap.baseAddress!, b: p2, c: $0.baseAddress!) }
        }
        #expect(c1.map(\.bitPattern) == c2.map(\.bitPattern))
        #expect(c1.contains { $0 != 0 })
        // and the first element is the dot product (to float rounding)
        let dot = (0..<k).reduce(0.0) { $0 + Double(a[$1]) * Double(b[$1 * n]) }
        #expect(abs(Double(c1[0]) - dot) < 1e-4)
    }
}
