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
    public enum Mode: String, Codable, Sendable { case noisy, mean }

    public static let logvarRange: ClosedRange<Float> = -30...20

    /// Clamps raw encoder outputs into the documented log-variance range. Shapes: S -> S.
    public static func logvar(fromRaw raw: Tensor) -> Tensor {
        raw.clamped(logvarRange.lowerBound, logvarRange.upperBound)
    }

    /// z = mu + exp(logvar / 2) * eps. Shapes: mu, logvar, eps [N, K] -> [N, K].
    public static func transmit(mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor {
        mu + logvar.scaled(by: 0.5).exp() * eps
    }
}
