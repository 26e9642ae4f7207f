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
    public func perExample(_ y: Tensor, _ yHat: Tensor) -> Tensor {
        let diff = y - yHat
        switch self {
        case .l2: return diff.square().sum(axes: [1])
        case .l1: return diff.abs().sum(axes: [1])
        }
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
