import Foundation
import RDACore

/// The noisy channel between encoder and decoder.
///
/// The encoder's second half is a log-variance: sigma = exp(logvar / 2), with logvar clamped to
/// [-30, 20] (sigma in [3e-7, 2.2e4]) so that exp never overflows or underflows to a zero sigma;
/// the clamp passes no gradient outside that range. The channel then sends
///
///     z = mu + sigma * eps,   eps ~ N(0, I)      (the reparameterization)
///
/// so gradients flow through mu and sigma while the randomness sits in eps.
public enum Channel {
    /// `noisy`: z = mu + sigma eps (training, and every rate-distortion figure).
    /// `mean`: z = mu (the mean-latent reconstruction).
    public enum Mode: String, Codable, Sendable {
        /// z = mu + sigma eps, eps ~ N(0, I) (training, and every rate-distortion figure).
        case noisy
        /// z = mu (the mean-latent reconstruction; no noise).
        case mean
    }

    /// The range raw log-variances are clamped to.
    public static let logvarRange: ClosedRange<Float> = -30...20

    /// Clamps raw encoder outputs into the documented log-variance range. Shapes: S -> S.
    public static func logvar(fromRaw raw: Tensor) -> Tensor {
        raw.clamped(logvarRange.lowerBound, logvarRange.upperBound)
    }

    /// z = mu + exp(logvar / 2) * eps. Shapes: mu, logvar, eps [N, K] -> [N, K].
    ///
    /// While `Fusion.isEnabled` this runs as the fused kernel `fusedTransmit`; the composition of
    /// primitives here is the reference.
    public static func transmit(mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor {
        if Fusion.isEnabled { return fusedTransmit(mu: mu, logvar: logvar, eps: eps) }
        return mu + logvar.scaled(by: 0.5).exp() * eps
    }

    /// The reparameterization z = mu + sigma * eps, sigma = exp(logvar / 2), as one op, with
    ///
    ///     dz/dmu = 1,   dz/dlogvar = sigma * eps / 2,   dz/deps = sigma.
    ///
    /// (sigma from `VectorMath.exp`, within 2 ulp of libm's). Shapes: mu, logvar, eps [N, K] -> [N, K].
    public static func fusedTransmit(mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor {
        require(mu.shape == logvar.shape && mu.shape == eps.shape,
                "transmit: mu \(mu.shape), logvar \(logvar.shape) and eps \(eps.shape) must have one shape")
        let count = mu.count, m = mu.data, e = eps.data
        let sigma = Tensor(zeros: [count])   // e^(logvar / 2), for both passes
        VectorMath.exp(logvar.data, scale: 0.5, count: count, into: sigma.data)
        let s = sigma.data
        return Tensor.custom(shape: mu.shape, inputs: [mu, logvar, eps], forward: { z in
            for i in 0..<count { z[i] = m[i] + s[i] * e[i] }
        }, backward: { g in
            withExtendedLifetime(sigma) {}
            if mu.requiresGrad {
                let sink = mu.gradientSink()
                for i in 0..<count { sink.put(i, g[i]) }
            }
            if logvar.requiresGrad {
                let sink = logvar.gradientSink()
                for i in 0..<count { sink.put(i, g[i] * e[i] * s[i] * 0.5) }
            }
            if eps.requiresGrad {
                let sink = eps.gradientSink()
                for i in 0..<count { sink.put(i, g[i] * s[i]) }
            }
        })
    }
}
