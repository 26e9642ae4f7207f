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
    /// [N, K] -> [N, D x the distortion's `decoderOutputsPerDimension`].
    public let decoder: Sequential
    /// The channel, its prior and its rate.
    public let bottleneck: any Bottleneck

    /// A freshly initialized model (PyTorch's default initialization, drawn from `rng`).
    public init(config: ModelConfig, rng: inout SeededGenerator) {
        self.config = config
        let outputs = config.latentDim * config.channelSettings.encoderOutputsPerLatent
        (encoder, decoder) = NetworkBuilder.build(config.arch, exampleShape: config.exampleShape, latentDim: config.latentDim,
                                                  encoderOutputs: outputs, widths: config.widths,
                                                  outputsPerDimension: config.distortion.decoderOutputsPerDimension,
                                                  sigmoidOutput: config.sigmoidOutput, resBlocks: config.resBlocks,
                                                  hidden: config.hidden, rng: &rng)
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

    /// The decoder's reconstruction (for the discretized logistic: its means).
    /// Shapes: z [N, K] -> y_hat [N, D].
    public func decode(_ z: Tensor) -> Tensor { reconstruction(decoder(z)) }

    /// Everything the decoder outputs (what the distortion scores). Shapes: z [N, K] -> [N, D x
    /// the distortion's `decoderOutputsPerDimension`].
    public func decoderOutputs(_ z: Tensor) -> Tensor { decoder(z) }

    /// The reconstruction part of the decoder's outputs: the first D columns (for the discretized
    /// logistic its means clamped to [0, 1]: the edge bins hold the tails, so a mean far below 0
    /// still reconstructs the pixel 0).
    func reconstruction(_ outputs: Tensor) -> Tensor {
        let m = config.distortion.decoderOutputsPerDimension, d = config.dimensions
        return m == 1 ? outputs : outputs.split([d, (m - 1) * d], axis: 1)[0].clamped(0, 1)
    }

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
        let outputs = decoder(b.z)
        let d = config.distortion.perExample(y, outputs)
        return Forward(bottleneck: b, yHat: reconstruction(outputs), distortion: d, decoderOutputs: outputs)
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
    /// Everything the decoder output, [N, D x outputs per dimension] (`yHat` when that is 1).
    public let decoderOutputs: Tensor

    /// The parts of a forward pass; `decoderOutputs` defaults to `yHat`.
    public init(bottleneck: BottleneckOutput, yHat: Tensor, distortion: Tensor, decoderOutputs: Tensor? = nil) {
        self.bottleneck = bottleneck; self.yHat = yHat; self.distortion = distortion
        self.decoderOutputs = decoderOutputs ?? yHat
    }

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
