import RDACore

/// Which channel sits between encoder and decoder (`--channel`): the registry of bottlenecks.
///
/// Adding a channel: a case here, its `Bottleneck` implementation in its own file, and the two
/// switches below. Every test of a channel elsewhere is an exhaustive `switch` on this type, so
/// the compiler names each place a new case must be handled.
public enum ChannelKind: String, Codable, CaseIterable, Sendable {
    /// The noisy channel z = mu + sigma eps with a Gaussian prior (standard or learned).
    case gaussian
    /// Quantized latents z~ = round(y) with a learned discrete prior: real bits.
    case quantized

    /// The implementation.
    public var bottleneckType: any Bottleneck.Type {
        switch self {
        case .gaussian: return GaussianBottleneck.self
        case .quantized: return QuantizedBottleneck.self
        }
    }

    /// A fresh bottleneck for `config` (deterministic: draws no randomness).
    public func makeBottleneck(_ config: ModelConfig) -> any Bottleneck {
        switch self {
        case .gaussian: return GaussianBottleneck(prior: config.prior, latentDim: config.latentDim)
        case .quantized: return QuantizedBottleneck(latentDim: config.latentDim, components: config.priorComponents ?? QuantizedBottleneck.defaultComponents)
        }
    }
}
