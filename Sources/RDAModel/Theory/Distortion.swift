import Foundation
import RDACore

/// How a reconstruction y_hat is scored against the example y, per example, summed over the D
/// dimensions (pixels in [0, 1] for images).
public enum DistortionKind: String, Codable, CaseIterable, Sendable {
    /// ||y - y_hat||^2.
    case l2
    /// ||y - y_hat||_1.
    case l1
    /// sum_j -ln P(8-bit pixel j | mean, log-scale) under the discretized logistic
    /// (`DiscretizedLogistic`): the decoder gives a mean and a log-scale per pixel, and the
    /// reconstruction is the means. With lambda = 1 the objective is the negative ELBO.
    case discretizedLogistic = "discretized-logistic"

    /// What the decoder outputs per data dimension: 1 (the reconstruction) for l2 and l1, 2 (a
    /// mean, then in the second half of its outputs a log-scale) for the discretized logistic.
    public var decoderOutputsPerDimension: Int { self == .discretizedLogistic ? 2 : 1 }

    /// Whether this distortion scores 8-bit pixels only (the discretized logistic).
    public var needsEightBitPixels: Bool { self == .discretizedLogistic }

    /// Distortion per example. Shapes: y [N, D], yHat the decoder's outputs [N, D x
    /// `decoderOutputsPerDimension`] -> [N].
    ///
    /// While `Fusion.isEnabled` l2 and l1 run as the fused kernel `fusedPerExample`; the
    /// composition of primitives below is the reference.
    public func perExample(_ y: Tensor, _ yHat: Tensor) -> Tensor {
        if self == .discretizedLogistic { return DiscretizedLogistic.perExample(y, yHat) }
        if Fusion.isEnabled { return fusedPerExample(y, yHat) }
        let diff = y - yHat
        switch self {
        case .l2: return diff.square().sum(axes: [1])
        case .l1, .discretizedLogistic: return diff.abs().sum(axes: [1])
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
        if self == .discretizedLogistic { return DiscretizedLogistic.perExample(y, yHat) }
        require(y.rank == 2 && y.shape == yHat.shape, "distortion: y \(y.shape) and y_hat \(yHat.shape) must both be [N, D]")
        let n = y.shape[0], d = y.shape[1]
        let yp = y.data, hp = yHat.data, kind = self
        let grain = Swift.max(1, (1 << 15) / Swift.max(d, 1))
        return Tensor.custom(shape: [n], inputs: [y, yHat], forward: { out in
            parallelRows(n, grain: grain) { r in
                out[r] = kind.rowSum(yp + r * d, hp + r * d, count: d)
            }
        }, backward: { g in
            let hatSink: GradientSink? = yHat.requiresGrad ? yHat.gradientSink() : nil
            let ySink: GradientSink? = y.requiresGrad ? y.gradientSink() : nil
            parallelRows(n, grain: grain) { r in
                let gr = g[r], o = r * d
                if let hatSink {
                    kind.rowGradient(yp + o, hp + o, count: d, scale: -gr, into: hatSink.pointer + o, accumulate: hatSink.accumulate)
                }
                if let ySink {
                    kind.rowGradient(yp + o, hp + o, count: d, scale: gr, into: ySink.pointer + o, accumulate: ySink.accumulate)
                }
            }
        })
    }

    /// sum_j e_j^2 (l2) or sum_j |e_j| (l1) for e = y - y_hat over one row, in eight interleaved
    /// partial sums (vectorized; the order of additions differs from a left-to-right sum only
    /// by rounding).
    @inline(__always)
    func rowSum(_ y: UnsafePointer<Float>, _ h: UnsafePointer<Float>, count d: Int) -> Float {
        typealias V = SIMD8<Float>
        var acc = V()
        var j = 0
        let ry = UnsafeRawPointer(y), rh = UnsafeRawPointer(h)
        while j + 8 <= d {
            let e = ry.loadUnaligned(fromByteOffset: j * 4, as: V.self) - rh.loadUnaligned(fromByteOffset: j * 4, as: V.self)
            switch self {
            case .l2: acc += e * e
            case .l1, .discretizedLogistic: acc += V(repeating: 0).replacing(with: e, where: e .> 0).replacing(with: -e, where: e .< 0)
            }
            j += 8
        }
        var total = acc.sum()
        while j < d {
            let e = y[j] - h[j]
            total += self == .l2 ? e * e : Swift.abs(e)
            j += 1
        }
        return total
    }

    /// out[j] (+)= scale * dd/de_j over one row: 2 e_j (l2) or sign(e_j) (l1), e = y - y_hat.
    @inline(__always)
    func rowGradient(_ y: UnsafePointer<Float>, _ h: UnsafePointer<Float>, count d: Int, scale: Float,
                     into out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        switch (self, accumulate) {
        case (.l2, false): for j in 0..<d { out[j] = scale * (2 * (y[j] - h[j])) }
        case (.l2, true): for j in 0..<d { out[j] += scale * (2 * (y[j] - h[j])) }
        case (.l1, false), (.discretizedLogistic, false):
            for j in 0..<d { let e = y[j] - h[j]; out[j] = scale * (e > 0 ? 1 : (e < 0 ? -1 : 0)) }
        case (.l1, true), (.discretizedLogistic, true):
            for j in 0..<d { let e = y[j] - h[j]; out[j] += scale * (e > 0 ? 1 : (e < 0 ? -1 : 0)) }
        }
    }

    /// The VAE reading: this distortion is -ln p(y|y_hat) up to a constant, with
    /// L2 -> Gaussian of variance 1/(2 lambda) per dimension: -ln p = lambda ||y - y_hat||^2 + (D/2) ln(pi / lambda);
    /// L1 -> Laplace of scale 1/lambda per dimension:        -ln p = lambda ||y - y_hat||_1 + D ln(2 / lambda).
    /// Discretized logistic -> already -ln P of the 8-bit values: 0.
    /// Returns that constant (the normalizer) in nats for D dimensions.
    public func logNormalizer(lambda: Double, dimensions: Int) -> Double {
        switch self {
        case .discretizedLogistic: return 0
        case .l2: return Double(dimensions) / 2 * Foundation.log(Double.pi / lambda)
        case .l1: return Double(dimensions) * Foundation.log(2 / lambda)
        }
    }
}
