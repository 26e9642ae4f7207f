import RDACore

/// The channel between encoder and decoder, with its prior and its rate: the model's one
/// extension point (as CompressAI's `EntropyBottleneck` and `GaussianConditional`).
///
///     encoder output h [N, W] ──bottleneck(mode, noise)──> latent z [N, K] ──> decoder
///                                        └── rate [N] (nats per example)
///
/// A bottleneck says how many encoder outputs it needs per latent dimension, draws the channel
/// noise a forward pass uses, turns the encoder's output into the latent the decoder sees and the
/// per-example rate, draws latents from its prior (sampling), names its parameters for the
/// checkpoint and accumulates its own evaluation figures. Each is made by its settings
/// (`ChannelSettings`), registered in `Channels`; the rest of rda only talks to these protocols
/// and to the capabilities some bottlenecks adopt (`EntropyCodingChannel`, `StandardizableChannel`).
public protocol Bottleneck: AnyObject {
    /// Encoder outputs per latent dimension (the encoder ends in `K * this` values).
    static var encoderOutputsPerLatent: Int { get }

    /// K, the number of latent dimensions.
    var latentDim: Int { get }

    /// The channel noise for `rows` examples in `mode`, drawn from `rng` (nil when the mode
    /// needs none). Drawn by the caller so that one generator orders every random draw.
    func drawNoise(rows: Int, mode: BottleneckMode, using rng: inout SeededGenerator) -> Tensor?

    /// The latent and the rate. Shapes: h [N, K * encoderOutputsPerLatent], noise as drawn by
    /// `drawNoise` -> output with z [N, K], rate [N].
    func transmit(_ h: Tensor, noise: Tensor?, mode: BottleneckMode) -> BottleneckOutput

    /// `count` latents drawn from the prior, [count, K] (decoding them samples new examples).
    func samplePrior(count: Int, using rng: inout SeededGenerator) -> Tensor

    /// Trainable parameters under their checkpoint names (without the `prior.` prefix).
    var namedParameters: [(name: String, tensor: Tensor)] { get }

    /// The multiple of the model's learning rate its parameters train at (1: the same).
    var learningRateScale: Float { get }

    /// Integer tensors stored beside the parameters (coding tables), under their names.
    var namedIntegerTensors: [(name: String, shape: [Int], values: [Int32])] { get }

    /// Restores the integer tensors from a checkpoint (validating them), or throws a one-line error.
    func loadIntegerTensors(_ lookup: (String) -> (shape: [Int], values: [Int32])?) throws

    /// Called once when training ends (and before every checkpoint is written): derive whatever
    /// is fixed from then on (coding tables).
    func finalize()

    /// A fresh accumulator of this channel's own evaluation figures over `examples` examples of
    /// shape `exampleShape`.
    func evaluationStatistics(examples: Int, exampleShape: [Int], miExamples: Int) -> any BottleneckStatistics

    /// How pictures name the channel's latents (reconstruction columns and caption).
    var pictureWords: PictureWords { get }

    /// The rate of each latent dimension in nats, averaged over the examples of a noiseless-mode
    /// `output`, when the channel can say it (nil: pictures rank dimensions by their spread).
    func rateByDimension(_ output: BottleneckOutput) -> [Double]?

    /// The prior's points mu_z + sigma_z t for standard points t (traversals), or nil when the
    /// prior has no such scale (pictures then use the data's spread). Shapes: [N, K] -> [N, K].
    func priorPoints(_ standard: Tensor) -> Tensor?
}

/// How pictures name a channel's latents.
public struct PictureWords: Sendable {
    /// Column label of the reconstruction through the evaluation channel (`channel`, `round(y)`).
    public var channel: String
    /// Column label of the reconstruction from the noiseless latent (`z = mu`, `y`).
    public var noiseless: String
    /// The reconstructions picture's caption.
    public var caption: String
    /// The words for a channel's reconstructions.
    public init(channel: String, noiseless: String, caption: String) {
        self.channel = channel; self.noiseless = noiseless; self.caption = caption
    }
}

extension Bottleneck {
    public func rateByDimension(_ output: BottleneckOutput) -> [Double]? { nil }
    public func priorPoints(_ standard: Tensor) -> Tensor? { nil }
    public var pictureWords: PictureWords {
        PictureWords(channel: "channel", noiseless: "noiseless",
                     caption: "Reconstructions, in groups of three: the example | through the channel | from the noiseless latent.")
    }
    public var learningRateScale: Float { 1 }
    public var namedIntegerTensors: [(name: String, shape: [Int], values: [Int32])] { [] }
    public func loadIntegerTensors(_ lookup: (String) -> (shape: [Int], values: [Int32])?) throws {}
    public func finalize() {}
}

/// How a forward pass uses the channel (CompressAI's explicit modes, not booleans).
public enum BottleneckMode: String, Sendable, CaseIterable {
    /// The training channel: Gaussian z = mu + sigma eps; quantized z = y + u, u ~ U(-1/2, 1/2).
    case training
    /// The channel every reported figure goes through: Gaussian z = mu + sigma eps (one eps per
    /// example); quantized z = round(y), the latent that is entropy coded.
    case evaluation
    /// No channel at all: the encoder's noiseless latent (Gaussian mu; quantized y unrounded).
    case noiseless
}

/// What the bottleneck returns for one batch.
public struct BottleneckOutput {
    /// The latent the decoder sees, [N, K].
    public let z: Tensor
    /// Per-example rate in nats, [N].
    public let rate: Tensor
    /// The encoder's noiseless latent (Gaussian mu, quantized y), [N, K].
    public let noiseless: Tensor
    /// What else the channel computed that its own statistics read (Gaussian: the posterior),
    /// a type of the channel's own.
    public let details: (any BottleneckDetails)?

    /// The parts of one batch's output (see the properties).
    public init(z: Tensor, rate: Tensor, noiseless: Tensor, details: (any BottleneckDetails)? = nil) {
        self.z = z; self.rate = rate; self.noiseless = noiseless; self.details = details
    }
}

/// A channel's own record of a forward pass beyond z and the rate (`BottleneckOutput.details`).
public protocol BottleneckDetails {}

/// A channel's own evaluation figures, accumulated batch by batch in order.
public protocol BottleneckStatistics {
    /// Adds the batch of examples `range` (in evaluation mode), y [N, D] being those examples.
    mutating func add(_ output: BottleneckOutput, examples y: Tensor, range: Range<Int>)
    /// The channel's figures (after every batch), and the rate per latent dimension (nats, mean
    /// over examples, summing to the rate) when the channel splits it.
    func finish() -> (figures: any ChannelFigures, ratePerDimNats: [Double]?)
}
