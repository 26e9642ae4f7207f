import Foundation
import RDACore

/// The rate of the noisy channel, in nats per example.
///
/// The encoder gives p(z|y) = N(mu, diag sigma^2) with sigma^2 = exp(logvar); the prior is
/// p_hat(z) = N(mu_z, diag sigma_z^2). The rate E ln p(z|y) / p_hat(z) upper-bounds the mutual
/// information I(y, z); the gap is KL(p(z) || p_hat(z)) between the aggregate posterior and the
/// prior.
public enum Rate {
    /// Closed form KL(p(z|y) || p_hat(z)) per example, summed over the K latent dimensions:
    ///
    ///     sum_k [ ln sigma_z,k - logvar_k / 2 + (sigma_k^2 + (mu_k - mu_z,k)^2) / (2 sigma_z,k^2) - 1/2 ]
    ///
    /// (for the standard prior: sum_k 1/2 (sigma_k^2 + mu_k^2 - 1 - logvar_k)).
    /// Shapes: mu, logvar [N, K] -> [N].
    ///
    /// While `Fusion.isEnabled` the standard prior's case runs as the fused kernel
    /// `standardNormalKL`; the composition of primitives below is the reference.
    public static func closedForm(mu: Tensor, logvar: Tensor, prior: Prior) -> Tensor {
        switch prior.kind {
        case .standard:
            if Fusion.isEnabled { return standardNormalKL(mu: mu, logvar: logvar) }
            return ((logvar.exp() + mu.square() - logvar) - 1).sum(axes: [1]).scaled(by: 0.5)
        case .learned:
            let logSigmaZ = prior.logSigmaPerDimension                               // [K]
            let invVar = (logSigmaZ.scaled(by: -2)).exp()                            // 1 / sigma_z^2, [K]
            let quad = (logvar.exp() + (mu - prior.muPerDimension).square()) * invVar // [N, K]
            return (quad.scaled(by: 0.5) + logSigmaZ - logvar.scaled(by: 0.5) - 0.5).sum(axes: [1])
        }
    }

    /// The closed-form rate split by latent dimension and averaged over the examples: entry k is
    ///
    ///     1/N sum_n [ ln sigma_z,k - logvar_nk / 2 + (e^logvar_nk + (mu_nk - mu_z,k)^2) / (2 sigma_z,k^2) - 1/2 ]
    ///
    /// (the k-th term of `closedForm`, so the entries sum to the mean of `closedForm`). A dimension
    /// near 0 nats carries no information: its posterior has collapsed to the prior.
    /// Shapes: mu, logvar [N, K] -> K values (Double, nats).
    public static func closedFormPerDimension(mu: Tensor, logvar: Tensor, prior: Prior) -> [Double] {
        let n = mu.shape[0], k = mu.shape[1]
        var muZ = [Double](repeating: 0, count: k), logSigmaZ = [Double](repeating: 0, count: k)
        if prior.kind == .learned {
            let p = prior.positions
            for j in 0..<k { muZ[j] = Double(prior.mu.data[j / p]); logSigmaZ[j] = Double(prior.logSigma.data[j / p]) }
        }
        var out = [Double](repeating: 0, count: k)
        for r in 0..<n {
            for j in 0..<k {
                let m = Double(mu.data[r * k + j]), lv = Double(logvar.data[r * k + j])
                let invVar = Foundation.exp(-2 * logSigmaZ[j])
                out[j] += logSigmaZ[j] - lv / 2 + (Foundation.exp(lv) + (m - muZ[j]) * (m - muZ[j])) * invVar / 2 - 0.5
            }
        }
        return out.map { $0 / Double(Swift.max(n, 1)) }
    }

    /// The closed-form KL(N(mu, diag e^logvar) || N(0, I)) per example as one fused op:
    ///
    ///     KL_n = 1/2 sum_k (e^logvar_nk + mu_nk^2 - 1 - logvar_nk)
    ///
    /// with the gradients  dKL_n/dmu_nk = mu_nk  and  dKL_n/dlogvar_nk = (e^logvar_nk - 1) / 2,
    /// computed in one pass each way (terms added in the order of the reference composition in
    /// `closedForm`; e^logvar from `VectorMath.exp`, within 2 ulp of libm's).
    /// Shapes: mu, logvar [N, K] -> [N].
    public static func standardNormalKL(mu: Tensor, logvar: Tensor) -> Tensor {
        require(mu.rank == 2 && mu.shape == logvar.shape, "standardNormalKL: mu \(mu.shape) and logvar \(logvar.shape) must both be [N, K]")
        let n = mu.shape[0], k = mu.shape[1]
        let m = mu.data, lv = logvar.data
        let variance = Tensor(zeros: [n * k])   // e^logvar, for both passes
        VectorMath.exp(lv, count: n * k, into: variance.data)
        let e = variance.data
        return Tensor.custom(shape: [n], inputs: [mu, logvar], forward: { out in
            for r in 0..<n {
                var acc: Float = 0
                for j in r * k..<(r + 1) * k {
                    acc += ((e[j] + m[j] * m[j]) - lv[j]) - 1
                }
                out[r] = 0.5 * acc
            }
        }, backward: { g in
            withExtendedLifetime(variance) {}
            if mu.requiresGrad {
                let sink = mu.gradientSink()
                for r in 0..<n {
                    let gr = g[r] * 0.5
                    for j in r * k..<(r + 1) * k { sink.put(j, gr * (2 * m[j])) }
                }
            }
            if logvar.requiresGrad {
                let sink = logvar.gradientSink()
                for r in 0..<n {
                    let gr = g[r] * 0.5
                    for j in r * k..<(r + 1) * k { sink.put(j, gr * e[j] - gr) }
                }
            }
        })
    }

    /// Single-sample Monte Carlo estimate ln p(z|y) - ln p_hat(z) at z = mu + sigma * eps, per
    /// example (the 1/2 ln 2 pi terms cancel):
    ///
    ///     sum_k [ ln sigma_z,k - logvar_k / 2 - eps_k^2 / 2 + (z_k - mu_z,k)^2 / (2 sigma_z,k^2) ]
    ///
    /// Its expectation over eps is the closed form. Shapes: z, eps, logvar [N, K] -> [N].
    public static func monteCarlo(z: Tensor, eps: Tensor, logvar: Tensor, prior: Prior) -> Tensor {
        let logQ = (logvar + eps.square()).scaled(by: -0.5)                          // ln p(z|y) + 1/2 ln 2 pi
        let logP: Tensor                                                             // ln p_hat(z) + 1/2 ln 2 pi
        switch prior.kind {
        case .standard: logP = z.square().scaled(by: -0.5)
        case .learned:
            let logSigmaZ = prior.logSigmaPerDimension
            logP = ((z - prior.muPerDimension) * logSigmaZ.scaled(by: -1).exp()).square().scaled(by: -0.5) - logSigmaZ
        }
        return (logQ - logP).sum(axes: [1])
    }

    /// Nats to bits: divide by ln 2.
    public static func bits(fromNats nats: Double) -> Double { nats / M_LN2 }
}
