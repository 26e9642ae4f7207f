import Testing
import Foundation
import RDACore
import RDAModel

/// The aggregate-posterior MI estimate against a direct Double computation, including posteriors
/// so narrow that expanding (z - mu)^2 in float32 cancels to nonsense or overflows.
@Suite("Mutual information estimate: stable for tiny posterior variances")
struct MutualInformationStabilityTests {
    /// 1/M sum_i [ln p(z_i|y_i) - ln 1/M sum_j p(z_i|y_j)] directly, in Double.
    func reference(z: [Float], mu: [Float], logvar: [Float], m: Int, k: Int) -> Double {
        func logp(_ i: Int, _ j: Int) -> Double {
            var v = -0.5 * log(2 * Double.pi) * Double(k)
            for t in 0..<k {
                let lv = Double(logvar[j * k + t]), d = Double(z[i * k + t]) - Double(mu[j * k + t])
                v += -0.5 * lv - d * d / (2 * exp(lv))
            }
            return v
        }
        var total = 0.0
        for i in 0..<m {
            let row = (0..<m).map { logp(i, $0) }
            let best = row.max()!
            let lse = best + log(row.reduce(0) { $0 + exp($1 - best) }) - log(Double(m))
            total += logp(i, i) - lse
        }
        return total / Double(m)
    }

    @Test(arguments: [(-30.0, -20.0, 1.0), (-30.0, -29.0, 1e-3), (-2.0, 1.0, 1.0), (-30.0, 5.0, 3.0)])
    func matchesDirectComputation(_ lvLow: Double, _ lvHigh: Double, _ spread: Double) {
        let m = 150, k = 4
        var rng = SeededGenerator(seed: 11)
        let mu = Tensor.randomNormal([m, k], using: &rng).scaled(by: Float(spread))
        let logvar = Tensor.randomUniform([m, k], low: Float(lvLow), high: Float(lvHigh), using: &rng)
        // a few posteriors share their mean with another: near-ties off the diagonal
        for i in stride(from: 0, to: m - 1, by: 10) { for t in 0..<k { mu.data[(i + 1) * k + t] = mu.data[i * k + t] } }
        let eps = Tensor.randomNormal([m, k], using: &rng)
        let z = Tensor(shape: [m, k], values: (0..<(m * k)).map { mu.data[$0] + Float(exp(Double(logvar.data[$0]) / 2)) * eps.data[$0] })
        let est = MutualInformation.estimate(z: z, mu: mu, logvar: logvar, chunk: 64)
        let ref = reference(z: z.values, mu: mu.values, logvar: logvar.values, m: m, k: k)
        #expect(est.isFinite)
        #expect(est <= log(Double(m)) + 1e-9)
        #expect(Swift.abs(est - ref) <= 1e-3 * Swift.max(1, Swift.abs(ref)), "estimate \(est), direct \(ref)")
    }
}
