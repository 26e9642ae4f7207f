/// Everything needed to rebuild a model: stored in the checkpoint's metadata as JSON.
///
/// Fields added after the first format decode with their defaults when absent (`channel`:
/// gaussian), and are written only when they differ from that default, so a Gaussian model's
/// file is the same bytes as before they existed.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// The encoder/decoder family.
    public var arch: Architecture
    /// Shape of one example: [D] or [C, H, W].
    public var exampleShape: [Int]
    /// Latent dimensions K.
    public var latentDim: Int
    /// Hidden sizes (mlp) or channels (conv).
    public var widths: [Int]
    /// The Gaussian channel's prior (`standard` or `learned`); the quantized channel's prior is
    /// always learned (recorded as `learned`).
    public var prior: Prior.Kind
    /// How reconstructions are scored.
    public var distortion: DistortionKind
    /// Weight of the distortion in rate + lambda * distortion.
    public var lambda: Double
    /// Whether the decoder ends in a sigmoid (image data).
    public var sigmoidOutput: Bool
    /// The data the model was trained on (`mnist`, `gaussian:4,2,1`, a folder).
    public var data: String
    /// The bottleneck: Gaussian noisy channel or quantized latents.
    public var channel: ChannelKind = .gaussian
    /// Components of the quantized channel's logistic-mixture prior (nil: the default).
    public var priorComponents: Int? = nil

    /// A configuration from its parts (see the properties).
    public init(arch: Architecture, exampleShape: [Int], latentDim: Int, widths: [Int], prior: Prior.Kind,
                distortion: DistortionKind, lambda: Double, sigmoidOutput: Bool, data: String,
                channel: ChannelKind = .gaussian, priorComponents: Int? = nil) {
        self.arch = arch; self.exampleShape = exampleShape; self.latentDim = latentDim; self.widths = widths
        self.prior = prior; self.distortion = distortion; self.lambda = lambda
        self.sigmoidOutput = sigmoidOutput; self.data = data
        self.channel = channel; self.priorComponents = priorComponents
    }

    /// Number of dimensions D of one example.
    public var dimensions: Int { exampleShape.reduce(1, *) }

    enum CodingKeys: String, CodingKey {
        case arch, exampleShape, latentDim, widths, prior, distortion, lambda, sigmoidOutput, data, channel, priorComponents
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        arch = try c.decode(Architecture.self, forKey: .arch)
        exampleShape = try c.decode([Int].self, forKey: .exampleShape)
        latentDim = try c.decode(Int.self, forKey: .latentDim)
        widths = try c.decode([Int].self, forKey: .widths)
        prior = try c.decode(Prior.Kind.self, forKey: .prior)
        distortion = try c.decode(DistortionKind.self, forKey: .distortion)
        lambda = try c.decode(Double.self, forKey: .lambda)
        sigmoidOutput = try c.decode(Bool.self, forKey: .sigmoidOutput)
        data = try c.decode(String.self, forKey: .data)
        channel = try c.decodeIfPresent(ChannelKind.self, forKey: .channel) ?? .gaussian
        priorComponents = try c.decodeIfPresent(Int.self, forKey: .priorComponents)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(arch, forKey: .arch)
        try c.encode(exampleShape, forKey: .exampleShape)
        try c.encode(latentDim, forKey: .latentDim)
        try c.encode(widths, forKey: .widths)
        try c.encode(prior, forKey: .prior)
        try c.encode(distortion, forKey: .distortion)
        try c.encode(lambda, forKey: .lambda)
        try c.encode(sigmoidOutput, forKey: .sigmoidOutput)
        try c.encode(data, forKey: .data)
        if channel != .gaussian { try c.encode(channel, forKey: .channel) }
        try c.encodeIfPresent(priorComponents, forKey: .priorComponents)
    }
}
