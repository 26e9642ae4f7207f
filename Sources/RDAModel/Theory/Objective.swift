import RDACore

/// The rate-distortion objective: the one place its formula lives.
///
///     L = rate + lambda * distortion
///
/// per example, with the rate in nats and the distortion in its own units (`DistortionKind`);
/// training minimises the batch mean of L, evaluation and the curves report its mean over a split.
/// Every caller (training steps and epochs, evaluation, the bounds, the sweep table) asks here.
public enum Objective {
    /// rate + lambda * distortion, for numbers (means or sums of the two terms alike: L is linear).
    @inlinable
    public static func value(rate: Double, distortion: Double, lambda: Double) -> Double {
        rate + lambda * distortion
    }

    /// rate + lambda * distortion per example. Shapes: rate [N], distortion [N] -> [N].
    public static func perExample(rate: Tensor, distortion: Tensor, lambda: Double) -> Tensor {
        rate + distortion.scaled(by: Float(lambda))
    }
}
