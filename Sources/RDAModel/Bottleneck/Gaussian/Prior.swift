import RDACore

/// The prior p_hat(z) = N(mu_z, diag sigma_z^2) the rate is measured against.
///
/// `standard` fixes it to N(0, I); `learned` trains mu_z and ln sigma_z jointly with the model.
/// Any learned prior can be *standardized* away (see `Standardization`).
public final class Prior {
    /// Whether the prior is fixed or trained.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// N(0, I): mu_z = 0 and ln sigma_z = 0, not trained.
        case standard
        /// N(mu_z, diag sigma_z^2) with mu_z and ln sigma_z (shape [K] each) trained with the model.
        case learned
    }

    /// Standard or learned.
    public let kind: Kind
    /// mu_z, one per latent channel, shape [C] (zeros for the standard prior).
    public let mu: Tensor
    /// ln sigma_z, one per latent channel, shape [C] (zeros for the standard prior).
    public let logSigma: Tensor
    /// Positions each channel's prior is shared over (1 for a dense latent).
    public let positions: Int

    /// N(0, I) over `latent`; a learned prior starts there and trains mu_z and ln sigma_z per
    /// latent channel, shared over the channel's positions.
    public init(kind: Kind, latent: LatentShape) {
        self.kind = kind
        positions = latent.positions
        mu = Tensor(zeros: [latent.channels])
        logSigma = Tensor(zeros: [latent.channels])
        if kind == .learned { mu.requiringGrad(); logSigma.requiringGrad() }
    }

    /// N(0, I) over a dense latent of `latentDim` dimensions.
    public convenience init(kind: Kind, latentDim: Int) { self.init(kind: kind, latent: .dense(latentDim)) }

    /// mu_z of every latent dimension (each channel's repeated over its positions), [C * P];
    /// `mu` itself for a dense latent.
    public var muPerDimension: Tensor { mu.repeatingEachRow(positions) }
    /// ln sigma_z of every latent dimension, [C * P]; `logSigma` itself for a dense latent.
    public var logSigmaPerDimension: Tensor { logSigma.repeatingEachRow(positions) }

    /// Checkpoint names `prior.mu`, `prior.log_sigma` (learned priors only).
    public var namedParameters: [(name: String, tensor: Tensor)] {
        kind == .learned ? [(name: "mu", tensor: mu), (name: "log_sigma", tensor: logSigma)] : []
    }
}
