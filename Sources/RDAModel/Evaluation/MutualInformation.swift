import Foundation
import RDACore

/// An estimate of the mutual information I(y, z) from the aggregate posterior
/// p(z) = 1/M sum_j p(z|y_j) over M evaluation examples:
///
///     I_hat = 1/M sum_i [ ln p(z_i|y_i) - ln (1/M sum_j p(z_i|y_j)) ],   z_i ~ p(z|y_i).
///
/// Every term is at most ln M (the denominator includes j = i), so I_hat <= ln M: it saturates
/// when the true I(y, z) approaches ln M, and in expectation it is a *lower* bound on I(y, z)
/// (the InfoNCE bound with the true posterior as critic). Rate - I_hat therefore over-estimates
/// the prior gap KL(p(z) || p_hat(z)) when the rate is near or above ln M.
///
/// The M x M log-densities come from GEMMs by expanding the square
/// -(z - mu)^2 / (2 s^2) = -z^2 a + 2 z mu a - mu^2 a with a = 1 / (2 s^2). That expansion in
/// float32 cancels badly when a is large (a tiny posterior variance): each entry therefore comes
/// with a bound on its rounding error, u (z^2 a + |2 z mu a| + mu^2 a) summed over k (a third
/// GEMM), and every entry whose bound exceeds `tolerance` nats and that can matter to the
/// log-sum-exp (within 60 nats of the row's largest) is recomputed directly in Double, as is the
/// diagonal ln p(z_i|y_i). Every term then includes its own diagonal, so it is at most ln M, and
/// no term is NaN or infinite for finite inputs. Cost: three GEMMs of [M, K] x [K, M] plus O(K)
/// per recomputed entry (none for typical models).
public enum MutualInformation {
    /// Largest M accepted from the command line: the cost is O(M^2 K).
    public static let maximumExamples = 50_000
    /// Largest rounding error (nats) accepted in one log-density before it is recomputed exactly.
    static let tolerance = 1e-4

    /// Shapes: z, mu, logvar [M, K] (row i: a draw from p(z|y_i) and that posterior) -> nats.
    public static func estimate(z: Tensor, mu: Tensor, logvar: Tensor, chunk: Int = 1024) -> Double {
        let m = z.shape[0], k = z.shape[1]
        if m == 0 { return 0 }
        return withoutGradients {
            let a = logvar.exp().scaled(by: 2).reshaped([m, k])                 // 2 s^2
            let inv = Tensor(shape: [m, k], repeating: 1) / a                    // a = 1/(2 s^2)
            let twoMuA = (mu * inv).scaled(by: 2)                                // 2 mu a
            let absTwoMuA = twoMuA.abs()
            let muSqA = (mu.square() * inv).sum(axes: [1]).values               // sum_k mu^2 a
            // c_j = sum_k (-mu^2 a - logvar/2) - K/2 ln 2 pi
            let cj = ((mu.square() * inv).scaled(by: -1) - logvar.scaled(by: 0.5)).sum(axes: [1]).values
            let halfLog2Pi = 0.5 * Foundation.log(2 * Double.pi) * Double(k)
            // float32 rounding of a k-term dot product: at most about (k + 2) 2^-24 of the sum of
            // the terms' magnitudes; doubled for the three products and their sum.
            let u = Double(k + 4) * 0x1p-23
            let z2 = z.square(), absZ = z.abs()
            let zd = z.data, mud = mu.data, lvd = logvar.data
            /// ln p(z_i | y_j) in Double, directly.
            func exact(_ i: Int, _ j: Int) -> Double {
                var v = -halfLog2Pi
                for t in 0..<k {
                    let lv = Double(lvd[j * k + t]), d = Double(zd[i * k + t]) - Double(mud[j * k + t])
                    v += -0.5 * lv - d * d / (2 * Foundation.exp(lv))
                }
                return v
            }
            var total = 0.0
            var row = [Double](repeating: 0, count: m)   // every entry is written before it is read
            var err = [Double](repeating: 0, count: m)
            var lo = 0
            while lo < m {
                let hi = Swift.min(m, lo + chunk)
                let zi = z.slice(lo..<hi), z2i = z2.slice(lo..<hi), absZi = absZ.slice(lo..<hi)
                let cross = Tensor.matmul(zi, twoMuA, transposeB: true)          // [c, M]
                let quad = Tensor.matmul(z2i, inv, transposeB: true)             // [c, M]
                let absCross = Tensor.matmul(absZi, absTwoMuA, transposeB: true) // [c, M]
                for r in 0..<(hi - lo) {
                    let i = lo + r
                    let cr = cross.data + r * m, qr = quad.data + r * m, ar = absCross.data + r * m
                    let diag = exact(i, i)
                    var lowerBest = diag
                    for j in 0..<m {
                        let v = Double(cr[j] - qr[j]) + Double(cj[j]) - halfLog2Pi
                        let e = u * (Double(qr[j]) + Double(ar[j]) + Double(muSqA[j]))
                        row[j] = v; err[j] = e
                        if e.isFinite, v - e > lowerBest { lowerBest = v - e }
                    }
                    row[i] = diag; err[i] = 0
                    var best = diag
                    for j in 0..<m {
                        // recompute where rounding may exceed the tolerance (or was not finite)
                        // and the entry can matter to the sum
                        if !(err[j] <= tolerance), row[j].isNaN || !(row[j] + err[j] < lowerBest - 60) {
                            row[j] = exact(i, j)
                        }
                        if row[j] > best { best = row[j] }
                    }
                    var s = 0.0
                    for j in 0..<m { s += Foundation.exp(row[j] - best) }
                    let logMix = best + Foundation.log(s) - Foundation.log(Double(m))
                    total += diag - logMix
                }
                lo = hi
            }
            return total / Double(m)
        }
    }
}
