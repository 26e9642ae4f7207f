/// The shape of one example's latent: `channels` latent channels at `positions` positions each.
///
/// A dense latent [K] is K channels at one position; a spatial map [C, h, w] (a fully
/// convolutional encoder's output) is C channels at h * w positions. The bottleneck sees the
/// latent flattened channel-major, position fastest (`NCHW`): entry c * positions + p. Priors are
/// per latent channel and shared over its positions (the factorized prior of learned image codecs).
public struct LatentShape: Equatable, Sendable, CustomStringConvertible {
    /// Latent channels C (dense: the K dimensions).
    public var channels: Int
    /// Positions per channel (dense: 1; a map: h * w).
    public var positions: Int

    /// `channels` channels at `positions` positions each.
    public init(channels: Int, positions: Int = 1) { self.channels = channels; self.positions = positions }

    /// A dense latent of `k` dimensions.
    public static func dense(_ k: Int) -> LatentShape { LatentShape(channels: k, positions: 1) }

    /// The values per example, channels * positions.
    public var count: Int { channels * positions }

    /// The channel of flattened entry `i`.
    public func channel(of i: Int) -> Int { i / positions }

    /// `K` for a dense latent, `C x P` for a map.
    public var description: String { positions == 1 ? "\(channels)" : "\(channels)x\(positions)" }
}
