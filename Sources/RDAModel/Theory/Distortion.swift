import Foundation
import RDACore

/// How a reconstruction y_hat is scored against the example y, per example, summed over the D
/// dimensions (pixels in [0, 1] for images).
public enum DistortionKind: String, Codable, CaseIterable, Sendable {
    /// ||y - y_hat||^2.
    case l2
    /// ||y - y_hat||_1.
    case l1

    /// Distortion per example. Shapes: y, yHat [N, D] -> [N].
    ///
    /// While `Fusion.isEnabled` this runs as the fused kernel `fusedPerExample`; the composition
    /// of primitives below is the reference.
    public func perExample(_ y: Tensor, _ yHat: Tensor) -> Tensor {
        if Fusion.isEnabled { return fusedPerExample(y, yHat) }
        let diff = y - yHat
        switch self {
        case .l2: return diff.square().sum(axes: [1])
        case .l1: return diff.abs().sum(axes: [1])
        }
    }

    /// The distortion per example as one fused op, with e = y - y_hat:
    ///
    ///     l2:  d_n = sum_j e_nj^2,   dd_n/dy_hat_nj = -2 e_nj
    ///     l1:  d_n = sum_j |e_nj|,   dd_n/dy_hat_nj = -sign(e_nj)   (0 at e = 0)
    ///
    /// and the opposite gradient for y when it requires one. One pass forward, one backward, no
    /// [N, D] intermediates. Shapes: y, yHat [N, D] -> [N].
    public func fusedPerExample(_ y: Tensor, _ yHat: Tensor) -> Tensor {
        require(y.rank == 2 && y.shape == yHat.shape, "distortion: y \(y.shape) and y_hat \(yHat.shape) must both be [N, D]")
        let n = y.shape[0], d = y.shape[1]
        let yp = y.data, hp = yHat.data, kind = self
        let grain = Swift.max(1, (1 << 15) / Swift.max(d, 1))
        return Tensor.custom(shape: [n], inputs: [y, yHat], forward: { out in
            parallelRows(n, grain: grain) { r in
                var acc: Float = 0
                switch kind {
                case .l2: for j in r * d..<(r + 1) * d { let e = yp[j] - hp[j]; acc += e * e }
                case .l1: for j in r * d..<(r + 1) * d { acc += Swift.abs(yp[j] - hp[j]) }
                }
                out[r] = acc
            }
        }, backward: { g in
            let hatSink: GradientSink? = yHat.requiresGrad ? yHat.gradientSink() : nil
            let ySink: GradientSink? = y.requiresGrad ? y.gradientSink() : nil
            parallelRows(n, grain: grain) { r in
                let gr = g[r]
                for j in r * d..<(r + 1) * d {
                    let e = yp[j] - hp[j]
                    let t: Float
                    switch kind {
                    case .l2: t = gr * (2 * e)
                    case .l1: t = gr * (e > 0 ? 1 : (e < 0 ? -1 : 0))
                    }
                    hatSink?.put(j, -t)
                    ySink?.put(j, t)
                }
            }
        })
    }

    /// The VAE reading: this distortion is -ln p(y|y_hat) up to a constant, with
    /// L2 -> Gaussian of variance 1/(2 lambda) per dimension: -ln p = lambda ||y - y_hat||^2 + (D/2) ln(pi / lambda);
    /// L1 -> Laplace of scale 1/lambda per dimension:        -ln p = lambda ||y - y_hat||_1 + D ln(2 / lambda).
    /// Returns that constant (the normalizer) in nats for D dimensions.
    public func logNormalizer(lambda: Double, dimensions: Int) -> Double {
        switch self {
        case .l2: return Double(dimensions) / 2 * Foundation.log(Double.pi / lambda)
        case .l1: return Double(dimensions) * Foundation.log(2 / lambda)
        }
    }
}
