import Foundation
import RDACore
import RDAIO

/// The Gaussian noisy channel's settings: its prior and the rate estimator training minimises.
///
/// In a model file: `prior` (always) and `rate` (only when not closed-form, so the files of
/// models trained before it moved here are the same bytes).
public struct GaussianChannelSettings: ChannelSettings, Equatable {
    public static let name = "gaussian"
    public static var figuresType: any ChannelFigures.Type { GaussianFigures.self }

    /// The prior p_hat(z): standard N(0, I) or learned N(mu_z, diag sigma_z^2).
    public var prior: Prior.Kind
    /// The rate estimate training minimises (evaluation always reports the closed form).
    public var rate: RateEstimator

    /// Standard prior, closed-form rate unless given.
    public init(prior: Prior.Kind = .standard, rate: RateEstimator = .closedForm) {
        self.prior = prior; self.rate = rate
    }

    public init(options o: ChannelOptions) throws {
        if let m = o.priorComponents {
            throw ChannelOptionError(.priorComponents, String(m), "sets the quantized channel's discrete prior; this is the gaussian channel")
        }
        self.init(prior: o.prior ?? .standard, rate: o.rate ?? .closedForm)
    }

    enum CodingKeys: String, CodingKey { case prior, rate }

    /// Reads `prior` and `rate`; refuses `priorComponents`, which belongs to the quantized
    /// channel's prior (a file that has it beside a Gaussian channel is damaged or edited).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if try decoder.container(keyedBy: AnyKey.self).contains(AnyKey("priorComponents")) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "prior components on a gaussian channel (they belong to the quantized channel's prior)"))
        }
        prior = try c.decodeIfPresent(Prior.Kind.self, forKey: .prior) ?? .standard
        rate = try c.decodeIfPresent(RateEstimator.self, forKey: .rate) ?? .closedForm
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(prior, forKey: .prior)
        if rate != .closedForm { try c.encode(rate, forKey: .rate) }
    }

    public var encoderOutputsPerLatent: Int { GaussianBottleneck.encoderOutputsPerLatent }
    public var recordedRateEstimator: RateEstimator { rate }
    public var priorKind: String { prior.rawValue }
    public var summary: String { "\(prior.rawValue) prior" }

    public func makeBottleneck(latent: LatentShape) -> any Bottleneck {
        GaussianBottleneck(prior: prior, latent: latent, trainingRate: rate)
    }

    /// A learned prior's mu_z and ln sigma_z, one per latent channel.
    public func parameterShapes(latent: LatentShape) throws -> [String: [Int]] {
        prior == .learned ? ["mu": [latent.channels], "log_sigma": [latent.channels]] : [:]
    }

    public func describe(latent: LatentShape) -> ArchitectureDescription.ChannelDescription {
        let k = latent.count
        return ArchitectureDescription.ChannelDescription(
            kind: Self.name, encoderOutputs: 2 * k,
            layout: ["mu: outputs 0..<\(k)", "logvar: outputs \(k)..<\(2 * k), clamped to [\(formatNumber(Double(Channel.logvarRange.lowerBound))), \(formatNumber(Double(Channel.logvarRange.upperBound)))]"],
            logvarClamp: [Double(Channel.logvarRange.lowerBound), Double(Channel.logvarRange.upperBound)],
            transmit: "z = mu + exp(logvar / 2) * eps, eps ~ N(0, I); z = mu for the mean-latent reconstruction",
            rate: "KL(N(mu, exp(logvar)) || N(prior mu, exp(2 prior log_sigma))) in nats, summed over the K latents")
    }
}

/// The Gaussian channel's own evaluation figures: the one-sample Monte Carlo rate and its
/// standard error, and the aggregate-posterior estimate of I(y, z) over the first M examples
/// with the prior gap (rate minus that estimate).
public struct GaussianFigures: ChannelFigures, Equatable {
    /// Mean single-sample Monte Carlo rate (nats) and its standard error.
    public var rateMCNats: Double?, rateMCStderr: Double?
    /// Aggregate-posterior estimate of I(y, z) (at most ln miExamples), its example count, and
    /// the rate minus it.
    public var miEstimateNats: Double?, miExamples: Int?, priorGapNats: Double?

    enum CodingKeys: String, CodingKey {
        case rateMCNats = "rate_mc_nats", rateMCStderr = "rate_mc_stderr"
        case miEstimateNats = "mi_estimate_nats", miExamples = "mi_examples", priorGapNats = "prior_gap_nats"
    }

    public var rateLabel: String { "rate (closed-form KL)" }
    public var rateNote: String { "mean KL(p(z|y) || p_hat(z))" }
    public var evaluationLatent: (formula: String, short: String) { ("z = mu + sigma * eps", "noisy channel") }
    public var noiselessLatent: String { "z = mu" }
    public var ratePerDimension: (series: String, caption: String) {
        ("model: closed-form rate of the dimension", "The closed-form rate of each latent dimension")
    }
    public var mutualInformationNats: Double? { miEstimateNats }

    public var rateLineSuffix: String {
        guard let mc = rateMCNats, let se = rateMCStderr else { return "" }
        return String(format: "   Monte Carlo %.4f ± %.4f", mc, se)
    }

    public var summaryLines: [String] {
        guard let mi = miEstimateNats, let m = miExamples, let gap = priorGapNats else { return [] }
        // The estimate is a lower bound of I(y, z) (at most ln M), so the gap is an upper bound.
        return [String(format: "  I(y;z) est. %.4f nats (of at most ln %d = %.2f)   prior gap <= %.4f", mi, m, log(Double(m)), gap)]
    }

    public var rateRows: [[String]] {
        func n(_ x: Double) -> String { String(format: "%.4f", x) }
        guard let mc = rateMCNats, let se = rateMCStderr else { return [] }
        return [["rate (Monte Carlo)", n(mc) + " ± " + n(se), n(mc / M_LN2) + " ± " + n(se / M_LN2), "one sample per example, ± standard error"]]
    }

    public var reportRows: [[String]] {
        func n(_ x: Double) -> String { String(format: "%.4f", x) }
        var rows: [[String]] = []
        if let mi = miEstimateNats, let gap = priorGapNats {
            rows.append(["MI estimate I(y, z)", n(mi), n(mi / M_LN2), "aggregate posterior, \(miExamples ?? 0) examples (at most ln M)"])
            rows.append(["prior gap (at most)", n(gap), n(gap / M_LN2), "rate - MI estimate: an upper bound, as the estimate is a lower bound"])
        }
        return rows
    }
}

/// Which estimate of the Gaussian channel's rate its training mode computes.
public enum RateEstimator: String, Codable, CaseIterable, Sendable {
    /// KL(p(z|y) || p_hat(z)) in closed form.
    case closedForm = "closed-form"
    /// ln p(z|y) - ln p_hat(z) at the sampled z (one sample).
    case monteCarlo = "monte-carlo"
}
