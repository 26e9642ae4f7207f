import Foundation
import RDACore

/// The quantized channel's settings: the number of logistic components per dimension of its
/// learned discrete prior.
///
/// In a model file: `prior: "learned"` (as every quantized model file has had) and
/// `priorComponents`.
public struct QuantizedChannelSettings: ChannelSettings, Equatable {
    public static let name = "quantized"
    public static var figuresType: any ChannelFigures.Type { QuantizedFigures.self }

    /// Logistic components per latent dimension of the prior.
    public var components: Int

    /// `components` logistics per dimension (default `QuantizedBottleneck.defaultComponents`).
    public init(components: Int = QuantizedBottleneck.defaultComponents) { self.components = components }

    public init(options o: ChannelOptions) throws {
        if let p = o.prior {
            throw ChannelOptionError(.prior, p.rawValue, "chooses the Gaussian channel's prior; the quantized channel always learns its discrete prior (see its prior components)")
        }
        if let r = o.rate, r != .closedForm {
            throw ChannelOptionError(.rate, r.rawValue, "applies to the gaussian channel; the quantized channel's rate is -ln P(z) under its discrete prior")
        }
        let m = o.priorComponents ?? QuantizedBottleneck.defaultComponents
        guard (1...LogisticMixturePrior.maximumComponents).contains(m) else {
            throw ChannelOptionError(.priorComponents, String(m), "must be between 1 and \(LogisticMixturePrior.maximumComponents)")
        }
        self.init(components: m)
    }

    enum CodingKeys: String, CodingKey { case prior, priorComponents }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        components = try c.decodeIfPresent(Int.self, forKey: .priorComponents) ?? QuantizedBottleneck.defaultComponents
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Prior.Kind.learned, forKey: .prior)
        try c.encode(components, forKey: .priorComponents)
    }

    public var encoderOutputsPerLatent: Int { QuantizedBottleneck.encoderOutputsPerLatent }
    public var priorKind: String { "\(Self.name)-learned" }
    public var summary: String { "quantized latents, \(components)-logistic prior" }

    public func makeBottleneck(latent: LatentShape) -> any Bottleneck {
        QuantizedBottleneck(latent: latent, components: components)
    }

    /// The component count is within 1...`LogisticMixturePrior.maximumComponents`.
    public func validate() throws {
        guard (1...LogisticMixturePrior.maximumComponents).contains(components) else {
            throw RDAError("\(components) prior components (needs 1...\(LogisticMixturePrior.maximumComponents))")
        }
    }

    /// The logistic-mixture prior's float tensors, one row per latent channel (its integer coding
    /// tables are checked by `QuantizedBottleneck.loadIntegerTensors`).
    public func parameterShapes(latent: LatentShape) throws -> [String: [Int]] {
        try validate()
        return Dictionary(uniqueKeysWithValues: ["logits", "loc", "log_scale"].map { ($0, [latent.channels, components]) })
    }

    public func describe(latent: LatentShape) -> ArchitectureDescription.ChannelDescription {
        let k = latent.count
        return ArchitectureDescription.ChannelDescription(
            kind: Self.name, encoderOutputs: k, layout: ["y: outputs 0..<\(k)"], logvarClamp: nil,
            transmit: "z = round(y) (evaluation, coding); z = y + u, u ~ U(-1/2, 1/2) in training; z = y noiseless",
            rate: "-ln P(z) in nats under the learned discrete prior (tensors prior.*, coding tables as int32), summed over the K latents")
    }
}

/// The quantized channel's own evaluation figures, per example: the entropy-coded payload of the
/// evaluation set, the integer tables' estimate -log2 P(z~), and the whole `.rdac` file (header,
/// length prefixes, checksum).
public struct QuantizedFigures: ChannelFigures, Equatable {
    /// Payload bits, estimated bits and whole-file bits per example.
    public var codedBitsPerImage: Double?, estimatedBitsPerImage: Double?, containerBitsPerImage: Double?

    enum CodingKeys: String, CodingKey {
        case codedBitsPerImage = "coded_bits_per_image", estimatedBitsPerImage = "estimated_bits_per_image"
        case containerBitsPerImage = "container_bits_per_image"
    }

    public var rateLabel: String { "rate (-ln P(z~) under the prior)" }
    public var rateNote: String { "channel quantized" }
    public var evaluationLatent: (formula: String, short: String) { ("z~ = round(y)", "z = round(y)") }
    public var noiselessLatent: String { "y unrounded" }
    public var ratePerDimension: (series: String, caption: String) {
        ("model: -ln P(z~) of the dimension under the prior",
         "The rate of each latent dimension, -ln P_k(z~_k) of the rounded latent under the prior averaged over the test set")
    }

    public var rateLines: [String] {
        guard let coded = codedBitsPerImage, let estimated = estimatedBitsPerImage, let container = containerBitsPerImage else { return [] }
        return [String(format: "  coded       %.2f bits/example payload   %.2f estimated (integer tables)   %.2f with the file's container", coded, estimated, container)]
    }

    public var reportRows: [[String]] {
        func n(_ x: Double) -> String { String(format: "%.4f", x) }
        return [("coded bits per example", codedBitsPerImage), ("estimated bits per example", estimatedBitsPerImage),
                ("whole .rdac file, bits per example", containerBitsPerImage)].compactMap { name, bits in
            bits.map { [name, n($0 * M_LN2), n($0), "entropy coding (quantized channel)"] }
        }
    }
}
