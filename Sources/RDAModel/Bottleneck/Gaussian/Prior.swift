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
    /// mu_z, shape [K] (zeros for the standard prior).
    public let mu: Tensor
    /// ln sigma_z, shape [K] (zeros for the standard prior).
    public let logSigma: Tensor

    /// N(0, I) over `latentDim` dimensions; a learned prior starts there and trains mu_z and ln sigma_z.
    public init(kind: Kind, latentDim: Int) {
        self.kind = kind
        mu = Tensor(zeros: [latentDim])
        logSigma = Tensor(zeros: [latentDim])
        if kind == .learned { mu.requiringGrad(); logSigma.requiringGrad() }
    }

    /// Checkpoint names `prior.mu`, `prior.log_sigma` (learned priors only).
    public var namedParameters: [(name: String, tensor: Tensor)] {
        kind == .learned ? [(name: "mu", tensor: mu), (name: "log_sigma", tensor: logSigma)] : []
    }
}
