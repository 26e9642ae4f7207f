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
/// The M x M log-densities come from two GEMMs by expanding the square
/// -(z - mu)^2 / (2 s^2) = -z^2 a + 2 z mu a - mu^2 a with a = 1 / (2 s^2); the diagonal
/// (where rounding in that expansion would matter most) is recomputed directly.
public enum MutualInformation {
    /// Shapes: z, mu, logvar [M, K] (row i: a draw from p(z|y_i) and that posterior) -> nats.
    public static func estimate(z: Tensor, mu: Tensor, logvar: Tensor, chunk: Int = 1024) -> Double {
        let m = z.shape[0], k = z.shape[1]
        if m == 0 { return 0 }
        return withoutGradients {
            let a = logvar.exp().scaled(by: 2).reshaped([m, k])                 // 2 s^2
            let inv = Tensor(shape: [m, k], repeating: 1) / a                    // a = 1/(2 s^2)
            let twoMuA = (mu * inv).scaled(by: 2)                                // 2 mu a
            // c_j = sum_k (-mu^2 a - logvar/2) - K/2 ln 2 pi
            let cj = ((mu.square() * inv).scaled(by: -1) - logvar.scaled(by: 0.5)).sum(axes: [1]).values
            let halfLog2Pi = 0.5 * Foundation.log(2 * Double.pi) * Double(k)
            let z2 = z.square()
            var total = 0.0
            var row = [Double](repeating: 0, count: m)   // every entry is written before it is read
            var lo = 0
            while lo < m {
                let hi = Swift.min(m, lo + chunk)
                let zi = z.slice(lo..<hi), z2i = z2.slice(lo..<hi)
                let cross = Tensor.matmul(zi, twoMuA, transposeB: true)          // [c, M]
                let quad = Tensor.matmul(z2i, inv, transposeB: true)             // [c, M]
                for r in 0..<(hi - lo) {
                    let i = lo + r
                    let cr = cross.data + r * m, qr = quad.data + r * m
                    var best = -Double.infinity
                    for j in 0..<m {
                        let v = Double(cr[j] - qr[j]) + Double(cj[j]) - halfLog2Pi
                        row[j] = v
                        if v > best { best = v }
                    }
                    // exact diagonal: ln p(z_i | y_i)
                    var diag = -halfLog2Pi
                    for t in 0..<k {
                        let lv = Double(logvar.data[i * k + t]), d = Double(z.data[i * k + t] - mu.data[i * k + t])
                        diag += -0.5 * lv - d * d / (2 * Foundation.exp(lv))
                    }
                    row[i] = diag
                    best = Swift.max(best, diag)
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
