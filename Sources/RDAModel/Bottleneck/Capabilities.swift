import RDACoding
import RDACore

/// What only some channels can do, as protocols their bottlenecks adopt. Code that needs a
/// capability asks for the protocol (`model.bottleneck as? any EntropyCodingChannel`) and, when
/// the channel lacks it, refuses in one line naming the channel (`Capability.missing`).

/// A channel whose latents are integers with a discrete prior: coded to bytes by the range coder.
public protocol EntropyCodingChannel: Bottleneck {
    /// The integer frequency tables of the prior, per latent dimension.
    var codingTables: CodingTables { get }
    /// The integer symbols of latents this channel produced in evaluation mode.
    /// Shapes: [N, K] -> N * K values.
    func symbols(_ z: Tensor) -> [Int32]
    /// The latents of integer symbols (the inverse of `symbols`). Shapes: N rows of K -> [N, K].
    func latents(_ symbols: [[Int32]]) -> Tensor
}

/// A channel whose prior can be mapped to N(0, I) with the same rate for every input, folding
/// the inverse map into the networks (`Standardization`).
public protocol StandardizableChannel: Bottleneck {
    /// The Gaussian prior N(mu_z, diag sigma_z^2) the rate is measured against.
    var prior: Prior { get }
    /// Settings of the same channel with the standard prior N(0, I).
    var standardSettings: any ChannelSettings { get }
}

/// The one-line refusals of a capability a channel lacks.
public enum Capability {
    /// "`what`: the <name> channel cannot <ability>; <hint>".
    public static func missing(_ ability: String, channel: String, hint: String) -> RDAError {
        RDAError("this model's \(channel) channel cannot \(ability); \(hint)")
    }
}
