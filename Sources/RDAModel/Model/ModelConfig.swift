/// Everything needed to rebuild a model: stored in the checkpoint's metadata as JSON.
///
/// Fields added after the first format decode with their defaults when absent (`channel`:
/// gaussian), and are written only when they differ from that default, so a Gaussian model's
/// file is the same bytes as before they existed. The channel's own settings are written flat
/// beside the other fields (`ChannelSettings`: the Gaussian channel's `prior`, the quantized
/// channel's `prior` and `priorComponents`).
public struct ModelConfig: Codable, Equatable, Sendable {
    /// The encoder/decoder family.
    public var arch: Architecture
    /// Shape of one example: [D] or [C, H, W].
    public var exampleShape: [Int]
    /// Latent dimensions K (`spatial`: the latent map's channels C).
    public var latentDim: Int
    /// Hidden sizes (mlp) or channels (conv).
    public var widths: [Int]
    /// How reconstructions are scored.
    public var distortion: DistortionKind
    /// Weight of the distortion in rate + lambda * distortion.
    public var lambda: Double
    /// Whether the decoder ends in a sigmoid (image data).
    public var sigmoidOutput: Bool
    /// The data the model was trained on (`mnist`, `gaussian:4,2,1`, a folder).
    public var data: String
    /// The bottleneck and its own settings (Gaussian noisy channel, quantized latents, ...).
    public var channel: ChannelConfig = .default
    /// `resnet`: residual blocks at each resolution (written only for resnet models).
    public var resBlocks: Int = ResNetwork.defaultResBlocks
    /// `resnet`: width of the fully connected layer beside the latent (written only for resnet models).
    public var hidden: Int = ResNetwork.defaultHidden

    /// A configuration from its parts (see the properties).
    public init(arch: Architecture, exampleShape: [Int], latentDim: Int, widths: [Int],
                distortion: DistortionKind, lambda: Double, sigmoidOutput: Bool, data: String,
                channel: ChannelConfig = .default, resBlocks: Int = ResNetwork.defaultResBlocks,
                hidden: Int = ResNetwork.defaultHidden) {
        self.arch = arch; self.exampleShape = exampleShape; self.latentDim = latentDim; self.widths = widths
        self.distortion = distortion; self.lambda = lambda
        self.sigmoidOutput = sigmoidOutput; self.data = data
        self.channel = channel
        self.resBlocks = resBlocks; self.hidden = hidden
    }

    /// The channel's settings.
    public var channelSettings: any ChannelSettings { channel.settings }

    /// The latent's channels and positions: the dense architectures have a latent of
    /// `latentDim` dimensions; `spatial` a map of `latentDim` channels at (H/2^k)(W/2^k) positions.
    public var latentShape: LatentShape {
        switch arch {
        case .linear, .mlp, .conv, .resnet: return .dense(latentDim)
        case .spatial: return SpatialNetwork.latentShape(exampleShape: exampleShape, widths: widths, channels: latentDim)
        }
    }

    /// `resnet`: its residual blocks and hidden width in words (`, 1 res-block, hidden 256`),
    /// for the one-line descriptions beside the widths; empty for the other families.
    public var resNetWords: String {
        arch == .resnet ? ", \(resBlocks) res-block\(resBlocks == 1 ? "" : "s"), hidden \(hidden)" : ""
    }

    /// Number of dimensions D of one example.
    public var dimensions: Int { exampleShape.reduce(1, *) }

    enum CodingKeys: String, CodingKey {
        case arch, exampleShape, latentDim, widths, distortion, lambda, sigmoidOutput, data, channel, resBlocks, hidden
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        arch = try c.decode(Architecture.self, forKey: .arch)
        exampleShape = try c.decode([Int].self, forKey: .exampleShape)
        latentDim = try c.decode(Int.self, forKey: .latentDim)
        widths = try c.decode([Int].self, forKey: .widths)
        distortion = try c.decode(DistortionKind.self, forKey: .distortion)
        lambda = try c.decode(Double.self, forKey: .lambda)
        sigmoidOutput = try c.decode(Bool.self, forKey: .sigmoidOutput)
        data = try c.decode(String.self, forKey: .data)
        channel = try ChannelConfig.decodeFlat(from: decoder, nameKey: CodingKeys.channel)
        resBlocks = try c.decodeIfPresent(Int.self, forKey: .resBlocks) ?? ResNetwork.defaultResBlocks
        hidden = try c.decodeIfPresent(Int.self, forKey: .hidden) ?? ResNetwork.defaultHidden
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(arch, forKey: .arch)
        try c.encode(exampleShape, forKey: .exampleShape)
        try c.encode(latentDim, forKey: .latentDim)
        try c.encode(widths, forKey: .widths)
        try c.encode(distortion, forKey: .distortion)
        try c.encode(lambda, forKey: .lambda)
        try c.encode(sigmoidOutput, forKey: .sigmoidOutput)
        try c.encode(data, forKey: .data)
        try channel.encodeFlat(to: encoder, nameKey: CodingKeys.channel)
        if arch == .resnet {   // the other families have none: their files stay as they were
            try c.encode(resBlocks, forKey: .resBlocks)
            try c.encode(hidden, forKey: .hidden)
        }
    }
}
