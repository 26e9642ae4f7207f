// Winograd's minimal filtering for the 4x4, stride-2, padding-1 convolution of the spatial
// models (and its adjoint, the transposed convolution).
//
// Split by the parity (p, q) of the padded row and column, the convolution is a 2x2, stride-1
// convolution over 4C channels (the four phases of C channels):
//
//     y[o, i, j] = sum over c, p, q, a, b < 2 of W[o, c, 2a + p, 2b + q] X_pq[c, i + a, j + b],
//     X_pq[c, s, t] = padded[c, 2s + p, 2t + q].
//
// F(4x4, 2x2) computes a 4x4 tile of that from a 5x5 tile of X_pq with 25 products a channel
// pair where the direct sum takes 64 (Lavin and Gray 2016, Toom-Cook points 0, 1, -1, 2, inf):
//
//     Y = A^T [ (G g G^T) (.) (B^T d B) ] A      (per channel pair, (.) elementwise)
//
// and the sum over the 4C channels of the 25 products is 25 matrix products
// M_xi [tiles, O] = V_xi [tiles, 4C] U_xi [4C, O], run by `DirectConv` (the same kernels and
// bits on every instruction set). The input gradient is the adjoint chain
// (A dY A^T, then dV_xi = dM_xi U_xi^T, then B dV B^T added into the padded image) and the weight
// gradient dU_xi = V_xi^T dM_xi, then G^T dU G. 2.56x fewer multiply-adds in the products than
// the direct sum (25 of 64), plus the transforms (`WinogradProducts.swift`, in C:
// winograd_transforms.h); results differ from the direct sum by rounding.
import RDAKernels

/// The weights of one 4x4, stride-2, padding-1 convolution in the Winograd domain, and the
/// three products of a training step on blocks of padded channels-last images (`ConvGeometry`):
/// the output, the input gradient and the weight gradient.
struct WinogradConv {
    typealias V = SIMD16<Float>
    /// Transform points per axis (n = m + r - 1), outputs per tile axis.
    static let n = 5, m = 4
    /// Products per tile: n * n.
    static let points = 25

    /// U_xi as [4C, O] packed for `DirectConv.run` over O (the forward product), per point xi.
    let forward: [PackedConvWeights]
    /// U_xi^T as [O, 4C] packed over 4C (the input-gradient product), per point xi.
    let adjoint: [PackedConvWeights]

    /// Whether the Winograd products serve a convolution of `geo` with `outputs` channels: a
    /// 4x4 kernel, stride 2, padding 1, the output a whole number of 4x4 tiles, and C and O
    /// multiples of 16. `RDA_WINOGRAD=0` turns them off (`ConvBlocking.winograd`).
    static func applies(geo: ConvGeometry, outputs: Int) -> Bool {
        ConvBlocking.winograd && geo.kernelH == 4 && geo.kernelW == 4 && geo.stride == 2 && geo.padding == 1
            && geo.outH % m == 0 && geo.outW % m == 0 && geo.channels % 16 == 0 && outputs % 16 == 0
    }

    /// The Winograd weights of w[o, c, u, v] = weight[o * strideOut + c * strideIn + u * 4 + v]
    /// (a conv2d weight [O, C, 4, 4], or a transposed convolution's [C', O', 4, 4] read as
    /// outputs C', channels O'; taps consecutive: strideIn 16); `adjoint` only when the
    /// adjoint product will run.
    init(_ weight: UnsafePointer<Float>, outputs o: Int, channels c: Int, strideOut: Int, strideIn: Int, adjoint wantAdjoint: Bool) {
        precondition(strideIn == 16 && o % 16 == 0 && c % 16 == 0, "WinogradConv: a 4x4 kernel of 16k channels")
        let k = 4 * c, groups = o / 16, points = Self.points
        // U_xi packed over O (the forward's layout) always: the adjoint's is its 16 x 16 transposes
        let fwd = (0..<points).map { _ in Tensor(uninitialized: [k * o]) }
        let adj = wantAdjoint ? (0..<points).map { _ in Tensor(uninitialized: [o * k]) } : []
        let fp = fwd.map { $0.data }, ap = adj.map { $0.data }
        // the weight as [c][tap][o]: 16 outputs of one tap are one vector
        let wt = Tensor(uninitialized: [c * 16 * o])
        transposeInto(weight, srcStride: strideOut, rows: o, cols: c * strideIn, wt.data, dstStride: o)
        let src = UnsafeRawPointer(wt.data)
        // one task per 16 outputs and 16 channels: its U rows, then (adjoint) their 16 x 16 transposes
        parallelRanges(groups * (c / 16), grain: 1) { lo, hi in
            withUnsafeTemporaryAllocation(of: V.self, capacity: 16 + 10 + points) { buffer in
                let w = buffer.baseAddress!, cols = w + 16, u = cols + 10
                for task in lo..<hi {
                    let og = task / (c / 16), cb = task % (c / 16)
                    for ch in (cb * 16)..<(cb * 16 + 16) {
                        for tap in 0..<16 { w[tap] = src.loadUnaligned(fromByteOffset: 4 * ((ch * 16 + tap) * o + og * 16), as: V.self) }
                        for phase in 0..<4 {
                            let (p, q) = (phase >> 1, phase & 1)
                            // g[a][b] = w[2a + p][2b + q]; U = G g G^T: the columns G g first
                            Self.gColumn(w[p * 4 + q], w[(2 + p) * 4 + q], into: cols, 2)
                            Self.gColumn(w[p * 4 + 2 + q], w[(2 + p) * 4 + 2 + q], into: cols + 1, 2)
                            for x1 in 0..<5 { Self.gColumn(cols[x1 * 2], cols[x1 * 2 + 1], into: u + x1 * 5, 1) }
                            let kk = phase * c + ch
                            for xi in 0..<points { UnsafeMutableRawPointer(fp[xi] + (og * k + kk) * 16).storeBytes(of: u[xi], as: V.self) }
                        }
                    }
                    guard wantAdjoint else { continue }
                    for phase in 0..<4 {   // (kk, o) blocks of 16 x 16: [og][kk][16] -> [kg][o][16]
                        let kk0 = phase * c + cb * 16
                        for xi in 0..<points {
                            transposeInto(fp[xi] + (og * k + kk0) * 16, srcStride: 16, rows: 16, cols: 16,
                                          ap[xi] + (kk0 / 16 * o + og * 16) * 16, dstStride: 16)
                        }
                    }
                }
            }
        }
        forward = fwd.map { PackedConvWeights(packed: $0, k: k, columns: o) }
        adjoint = adj.map { PackedConvWeights(packed: $0, k: o, columns: k) }
    }

    // MARK: - The weight transform G (B^T and A^T, which the data's transforms apply, live in
    // CRDAKernels' winograd_transforms.h: one C source for every instruction set)

    /// G x for x = (g0, g1), into out[0, s, ..., 4 s]: G = [[1/2, 0], [1/2, 1/2], [1/6, -1/6],
    /// [1/6, 1/3], [0, 1]].
    @inline(__always)
    static func gColumn(_ g0: V, _ g1: V, into out: UnsafeMutablePointer<V>, _ s: Int) {
        out[0] = 0.5 * g0
        out[s] = 0.5 * (g0 + g1)
        out[2 * s] = (g0 - g1) / 6
        out[3 * s] = (g0 + 2 * g1) / 6
        out[4 * s] = g1
    }

    /// G^T x: the adjoint of `gColumn`, 5 values to 2.
    @inline(__always)
    static func gAdjoint(_ x: UnsafePointer<V>, _ s: Int) -> (V, V) {
        let x0 = x[0], x1 = x[s], x2 = x[2 * s], x3 = x[3 * s], x4 = x[4 * s]
        return (0.5 * (x0 + x1) + (x2 + x3) / 6, 0.5 * x1 + (2 * x3 - x2) / 6 + x4)
    }
}

extension PackedConvWeights {
    /// Weights already packed as [groups of 16 columns][k][16].
    init(packed data: Tensor, k: Int, columns: Int) {
        self.data = data
        self.k = k
        self.columns = columns
    }
}
