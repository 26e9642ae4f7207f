import RDACore

/// A rate-distortion autoencoder (RDA).
///
///     y ──encoder──> h ──bottleneck (channel, prior, rate)──> z ──decoder──> y_hat
///                          │                                                   │
///                          └── rate: ln p(z|y) / p_hat(z), or -ln P(z~) ───────┘   distortion: d(y, y_hat)
///
/// The bottleneck is the Gaussian noisy channel (`GaussianBottleneck`) or quantized latents with
/// a learned discrete prior (`QuantizedBottleneck`); `Channels` registers them. Training
/// minimises the mean over a batch of rate + lambda * distortion (`Forward.objective`). Read as a
/// VAE, the distortion is -ln p(y|y_hat) and the objective a negative ELBO.
public final class RateDistortionAutoencoder {
    /// The configuration the model was built from (saved in its checkpoint).
    public let config: ModelConfig
    /// [N, D] -> [N, K * bottleneck's encoder outputs per latent].
    public let encoder: Sequential
    /// [N, K] -> [N, D].
    public let decoder: Sequential
    /// The channel, its prior and its rate.
    public let bottleneck: any Bottleneck

    /// A freshly initialized model (PyTorch's default initialization, drawn from `rng`).
    public init(config: ModelConfig, rng: inout SeededGenerator) {
        self.config = config
        let outputs = config.latentDim * config.channelSettings.encoderOutputsPerLatent
        (encoder, decoder) = NetworkBuilder.build(config.arch, exampleShape: config.exampleShape, latentDim: config.latentDim,
                                                  encoderOutputs: outputs, widths: config.widths,
                                                  sigmoidOutput: config.sigmoidOutput, rng: &rng)
        bottleneck = config.channelSettings.makeBottleneck(latent: config.latentShape)
    }

    /// A model from its parts (`resized(height:width:)` shares another model's layers).
    init(config: ModelConfig, encoder: Sequential, decoder: Sequential, bottleneck: any Bottleneck) {
        self.config = config; self.encoder = encoder; self.decoder = decoder; self.bottleneck = bottleneck
    }

    /// Every parameter under its checkpoint name: `encoder.*`, `decoder.*`, `prior.*`.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("encoder", encoder.namedParameters) + prefixed("decoder", decoder.namedParameters)
            + prefixed("prior", bottleneck.namedParameters)
    }

    /// Every parameter tensor, in `namedParameters` order.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// The learning-rate multiple of each of `parameters` (the bottleneck's for its own).
    public var learningRateScales: [Float] {
        [Float](repeating: 1, count: encoder.namedParameters.count + decoder.namedParameters.count)
            + [Float](repeating: bottleneck.learningRateScale, count: bottleneck.namedParameters.count)
    }

    /// Throws a one-line error when `data`'s examples are not the shape this model takes.
    public func checkFits(_ data: Dataset, name: String) throws {
        guard data.exampleShape == config.exampleShape else {
            throw RDAError("the model expects examples of \(config.dimensions) values (\(config.exampleShape)), but \(name) has \(data.dimensions) (\(data.exampleShape)); use the data it was trained on (\(config.data))")
        }
    }

    /// The decoder's reconstruction. Shapes: z [N, K] -> y_hat [N, D].
    public func decode(_ z: Tensor) -> Tensor { decoder(z) }

    /// The channel noise a forward pass in `mode` needs for `rows` examples (see `Bottleneck`).
    public func drawNoise(rows: Int, mode: BottleneckMode = .training, using rng: inout SeededGenerator) -> Tensor? {
        bottleneck.drawNoise(rows: rows, mode: mode, using: &rng)
    }

    /// Runs encoder, bottleneck and decoder and scores the result.
    /// Shapes: y [N, D], noise from `drawNoise` -> parts with per-example terms [N].
    public func forward(_ y: Tensor, noise: Tensor?, mode: BottleneckMode = .training) -> Forward {
        precondition(y.rank == 2 && y.shape[1] == config.dimensions,
                     "model expects examples of \(config.dimensions) values, got \(y.shape)")
        let b = bottleneck.transmit(encoder(y), noise: noise, mode: mode)
        let yHat = decode(b.z)
        let d = config.distortion.perExample(y, yHat)
        return Forward(bottleneck: b, yHat: yHat, distortion: d)
    }
}

/// The parts of one forward pass (CompressAI style: the model returns its parts, not a scalar).
public struct Forward {
    /// What the bottleneck returned: latent, rate, noiseless latent.
    public let bottleneck: BottleneckOutput
    /// [N, D]
    public let yHat: Tensor
    /// Per-example distortion, [N].
    public let distortion: Tensor

    /// The latent the decoder saw, [N, K].
    public var z: Tensor { bottleneck.z }
    /// Per-example rate in nats, [N].
    public var rate: Tensor { bottleneck.rate }

    /// The training loss: the batch mean of `Objective.perExample` (rate + lambda * distortion).
    /// Shapes: rate [N], distortion [N] -> [].
    public func objective(lambda: Double) -> Tensor {
        Objective.perExample(rate: rate, distortion: distortion, lambda: lambda).mean()
    }
}
