import Foundation
import RDACore
import RDAIO

/// A model's architecture in words a program in another language can rebuild it from: stored as
/// JSON in the checkpoint metadata under `rda.architecture` (see `Checkpoint`).
///
/// It lists every layer of the encoder and decoder in order, with its kind, hyperparameters and
/// the checkpoint names of its tensors, and says how the encoder's output feeds the channel.
/// Conventions: a batch is the leading axis; images are NCHW and `flatten`/`reshape` keep that
/// row-major order ([N, C, H, W] <-> [N, C*H*W]); `linear` computes x W^T + b with W [out, in];
/// `conv2d` weights are [out, in, k, k]; `conv_transpose2d` weights are [in, out, k, k] (PyTorch's
/// layouts, so `torch.nn.Conv2d`/`ConvTranspose2d` with the same hyperparameters take them as they are).
public struct ArchitectureDescription: Codable, Equatable, Sendable {
    /// The version of this description's layout.
    public static let format = "rda-architecture-1"

    /// One layer: `kind` plus the fields that kind uses.
    public struct LayerDescription: Codable, Equatable, Sendable {
        /// `linear`, `conv2d`, `conv_transpose2d`, `relu`, `leaky_relu`, `sigmoid`, `tanh`,
        /// `reshape`, `flatten`, `reshape_channel_affine` (a reshape to `shape` [C, h, w], then
        /// y = scale_c x + shift_c per channel c, tensors `scale` and `shift` of shape [C]),
        /// `residual` (y = activation(body(x) + x), the body's layers in `body`).
        public var kind: String
        /// `linear`: input and output widths.
        public var inFeatures: Int?, outFeatures: Int?
        /// `conv2d`, `conv_transpose2d`: input and output channels.
        public var inChannels: Int?, outChannels: Int?
        /// `conv2d`, `conv_transpose2d`: square kernel size, stride, padding (and output padding for the transposed one).
        public var kernelSize: Int?, stride: Int?, padding: Int?, outputPadding: Int?
        /// `reshape`: the shape of one example after the layer (the batch axis is kept).
        public var shape: [Int]?
        /// `leaky_relu`: the slope for negative inputs.
        public var slope: Double?
        /// Checkpoint names of the layer's tensors, e.g. `["weight": "encoder.1.weight"]`.
        public var tensors: [String: String]?
        /// `residual`: the layers whose output is added to the input (their tensors named
        /// `encoder.3.0.weight`, as PyTorch names those of an `nn.Sequential` subclass).
        public var body: [LayerDescription]?
        /// `residual`: `relu` or `identity`, applied to the sum.
        public var activation: String?

        /// A layer of `kind` with no fields set yet.
        public init(kind: String) { self.kind = kind }

        enum CodingKeys: String, CodingKey {
            case kind, stride, padding, shape, slope, tensors, body, activation
            case inFeatures = "in_features", outFeatures = "out_features"
            case inChannels = "in_channels", outChannels = "out_channels"
            case kernelSize = "kernel_size", outputPadding = "output_padding"
        }
    }

    /// How the encoder's output becomes the latent z, and how the rate is measured.
    public struct ChannelDescription: Codable, Equatable, Sendable {
        /// `gaussian` for today's noisy channel.
        public var kind: String
        /// Width of the encoder's output per example (2K for the Gaussian channel).
        public var encoderOutputs: Int
        /// The encoder's output, in order along its last axis.
        public var layout: [String]
        /// Log-variance clamp [low, high] applied to the raw encoder output (Gaussian channel).
        public var logvarClamp: [Double]?
        /// The channel and the rate, in formulas.
        public var transmit: String
        /// How the rate is measured, in words.
        public var rate: String

        /// A description from its parts (see the properties).
        public init(kind: String, encoderOutputs: Int, layout: [String], logvarClamp: [Double]?, transmit: String, rate: String) {
            self.kind = kind; self.encoderOutputs = encoderOutputs; self.layout = layout
            self.logvarClamp = logvarClamp; self.transmit = transmit; self.rate = rate
        }

        enum CodingKeys: String, CodingKey {
            case kind, layout, transmit, rate
            case encoderOutputs = "encoder_outputs", logvarClamp = "logvar_clamp"
        }
    }

    /// The prior p_hat(z) the rate is measured against.
    public struct PriorDescription: Codable, Equatable, Sendable {
        /// `standard` N(0, I) or `learned` N(mu_z, sigma_z^2).
        public var kind: String
        /// Checkpoint names of `mu` and `log_sigma` (learned priors).
        public var tensors: [String: String]?
    }

    /// `rda-architecture-1`.
    public var format: String
    /// Shape of one example: [D] or [C, H, W]; the model reads and writes flat [N, D] rows.
    public var exampleShape: [Int]
    /// `NCHW`: the order in which image pixels are flattened into rows.
    public var flattenOrder: String
    /// Latent dimensions K.
    public var latentDim: Int
    /// Encoder [N, D] -> [N, encoderOutputs]; decoder [N, K] -> [N, D].
    public var encoder: [LayerDescription], decoder: [LayerDescription]
    /// How the encoder's output becomes z.
    public var channel: ChannelDescription
    /// The prior the rate is measured against.
    public var prior: PriorDescription
    /// `l2`: sum_j (y_j - y_hat_j)^2, `l1`: sum_j |y_j - y_hat_j|, over the D dimensions.
    public var distortion: String
    /// Weight of the distortion in rate + lambda * distortion.
    public var lambda: Double

    enum CodingKeys: String, CodingKey {
        case format, encoder, decoder, channel, prior, distortion, lambda
        case exampleShape = "example_shape", flattenOrder = "flatten_order", latentDim = "latent_dim"
    }

    /// The description of `model`, read from its built layers and its configuration.
    public init(_ model: RateDistortionAutoencoder) {
        let config = model.config
        format = ArchitectureDescription.format
        exampleShape = config.exampleShape
        flattenOrder = "NCHW"
        latentDim = config.latentDim
        encoder = ArchitectureDescription.describe(model.encoder, prefix: "encoder")
        decoder = ArchitectureDescription.describe(model.decoder, prefix: "decoder")
        channel = ArchitectureDescription.channel(for: config)
        let priorNames = model.bottleneck.namedParameters.map(\.name) + model.bottleneck.namedIntegerTensors.map(\.name)
        prior = PriorDescription(kind: config.channelSettings.priorKind,
                                 tensors: priorNames.isEmpty ? nil : Dictionary(uniqueKeysWithValues: priorNames.map { ($0, "prior.\($0)") }))
        distortion = config.distortion.rawValue
        lambda = config.lambda
    }

    /// The channel part of the description for `config` (the channel describes itself).
    public static func channel(for config: ModelConfig) -> ChannelDescription {
        config.channelSettings.describe(latent: config.latentShape)
    }

    /// Each layer of `network` in order; tensor names carry `prefix` and the layer's index.
    static func describe(_ network: Sequential, prefix: String) -> [LayerDescription] {
        network.layers.enumerated().map { index, layer in
            var d: LayerDescription
            switch layer {
            case let l as Linear:
                d = LayerDescription(kind: "linear")
                d.outFeatures = l.weight.shape[0]; d.inFeatures = l.weight.shape[1]
            case let c as Conv2d:
                d = LayerDescription(kind: "conv2d")
                d.outChannels = c.weight.shape[0]; d.inChannels = c.weight.shape[1]
                d.kernelSize = c.weight.shape[2]; d.stride = c.stride; d.padding = c.padding
            case let c as ConvTranspose2d:
                d = LayerDescription(kind: "conv_transpose2d")
                d.inChannels = c.weight.shape[0]; d.outChannels = c.weight.shape[1]
                d.kernelSize = c.weight.shape[2]; d.stride = c.stride; d.padding = c.padding
                d.outputPadding = c.outputPadding
            case is ReLU: d = LayerDescription(kind: "relu")
            case let l as LeakyReLU:
                d = LayerDescription(kind: "leaky_relu"); d.slope = Double(l.slope)
            case is Sigmoid: d = LayerDescription(kind: "sigmoid")
            case is Tanh: d = LayerDescription(kind: "tanh")
            case let r as Reshape:
                d = LayerDescription(kind: "reshape"); d.shape = r.shape
            case let a as LatentMapAffine:
                d = LayerDescription(kind: "reshape_channel_affine"); d.shape = a.shape
            case is Flatten: d = LayerDescription(kind: "flatten")
            case let r as Residual:
                d = LayerDescription(kind: "residual")
                d.body = describe(r.body, prefix: "\(prefix).\(index)"); d.activation = r.activation.rawValue
                return d   // its tensors are the body's
            default: d = LayerDescription(kind: "unknown:\(type(of: layer))")
            }
            let names = layer.namedParameters.map(\.name)
            if !names.isEmpty {
                d.tensors = Dictionary(uniqueKeysWithValues: names.map { ($0, "\(prefix).\(index).\($0)") })
            }
            return d
        }
    }

    /// The description as compact JSON with sorted keys (the metadata value).
    public func json() throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(self), as: UTF8.self)
    }
}
