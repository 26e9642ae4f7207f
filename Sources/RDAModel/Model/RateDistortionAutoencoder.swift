import RDACore

/// A noisy-channel rate-distortion autoencoder (RDA).
///
///     y ──encoder──> (mu, logvar) ──channel: z = mu + sigma * eps──> z ──decoder──> y_hat
///                         │                                           │
///                         └── rate: ln p(z|y) / p_hat(z) ─────────────┘   distortion: d(y, y_hat)
///
/// Training minimises the mean over a batch of rate + lambda * distortion (`Objective`).
/// Read as a VAE, the distortion is -ln p(y|y_hat) and the objective a negative ELBO.
public final class RateDistortionAutoencoder {
    public let config: ModelConfig
    /// [N, D] -> [N, 2K]: mu (first K) and raw log-variance (last K).
    public let encoder: Sequential
    /// [N, K] -> [N, D].
    public let decoder: Sequential
    public let prior: Prior

    /// A freshly initialized model (PyTorch's default initialization, drawn from `rng`).
    public init(config: ModelConfig, rng: inout SeededGenerator) {
        self.config = config
        (encoder, decoder) = NetworkBuilder.build(config.arch, exampleShape: config.exampleShape, latentDim: config.latentDim,
                                                  widths: config.widths, sigmoidOutput: config.sigmoidOutput, rng: &rng)
        prior = Prior(kind: config.prior, latentDim: config.latentDim)
    }

    /// Every parameter under its checkpoint name: `encoder.*`, `decoder.*`, `prior.*`.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("encoder", encoder.namedParameters) + prefixed("decoder", decoder.namedParameters)
            + prefixed("prior", prior.namedParameters)
    }

    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// Throws a one-line error when `data`'s examples are not the shape this model takes.
    public func checkFits(_ data: Dataset, name: String) throws {
        guard data.dimensions == config.dimensions else {
            throw RDAError("the model expects examples of \(config.dimensions) values (\(config.exampleShape)), but \(name) has \(data.dimensions) (\(data.exampleShape)); use the data it was trained on (\(config.data))")
        }
    }

    /// The encoder's Gaussian p(z|y). Shapes: y [N, D] -> mu, logvar [N, K].
    public func encode(_ y: Tensor) -> (mu: Tensor, logvar: Tensor) {
        let k = config.latentDim
        let h = encoder(y)
        let parts = h.split([k, k], axis: 1)
        return (parts[0], Channel.logvar(fromRaw: parts[1]))
    }

    /// The decoder's reconstruction. Shapes: z [N, K] -> y_hat [N, D].
    public func decode(_ z: Tensor) -> Tensor { decoder(z) }

    /// Runs encoder, channel and decoder and scores the result.
    /// Shapes: y [N, D], eps [N, K] (ignored in `.mean` mode) -> parts with per-example terms [N].
    public func forward(_ y: Tensor, eps: Tensor, mode: Channel.Mode = .noisy, rate: RateEstimator = .closedForm) -> Forward {
        precondition(y.rank == 2 && y.shape[1] == config.dimensions,
                     "model expects examples of \(config.dimensions) values, got \(y.shape)")
        let (mu, logvar) = encode(y)
        let z = mode == .noisy ? Channel.transmit(mu: mu, logvar: logvar, eps: eps) : mu
        let yHat = decode(z)
        let r: Tensor
        switch rate {
        case .closedForm: r = Rate.closedForm(mu: mu, logvar: logvar, prior: prior)
        case .monteCarlo: r = Rate.monteCarlo(z: z, eps: eps, logvar: logvar, prior: prior)
        }
        let d = config.distortion.perExample(y, yHat)
        return Forward(mu: mu, logvar: logvar, z: z, yHat: yHat, rate: r, distortion: d)
    }
}

/// Which estimate of the rate a forward pass computes (`--rate`).
public enum RateEstimator: String, Codable, CaseIterable, Sendable {
    /// KL(p(z|y) || p_hat(z)) in closed form.
    case closedForm = "closed-form"
    /// ln p(z|y) - ln p_hat(z) at the sampled z (one sample).
    case monteCarlo = "monte-carlo"
}

/// The parts of one forward pass (CompressAI style: the model returns its parts, not a scalar).
public struct Forward {
    /// [N, K]
    public let mu: Tensor, logvar: Tensor, z: Tensor
    /// [N, D]
    public let yHat: Tensor
    /// Per-example rate in nats and distortion, [N].
    public let rate: Tensor, distortion: Tensor

    /// Objective = mean over the batch of rate + lambda * distortion. Shapes: -> [].
    public func objective(lambda: Double) -> Tensor {
        (rate + distortion.scaled(by: Float(lambda))).mean()
    }
}
