import Foundation
import RDACore

/// The Gaussian noisy channel: the encoder gives p(z|y) = N(mu, diag sigma^2) (its output is
/// mu, then the raw log-variance: `Channel`), the channel sends z = mu + sigma eps, and the rate
/// is KL(p(z|y) || p_hat(z)) in closed form or its one-sample Monte Carlo estimate (`Rate`)
/// against the prior p_hat = N(mu_z, diag sigma_z^2) (`Prior`).
public final class GaussianBottleneck: StandardizableChannel {
    /// mu and the raw log-variance.
    public static let encoderOutputsPerLatent = 2
    /// The prior p_hat(z) = N(mu_z, diag sigma_z^2).
    public let prior: Prior
    /// K, the number of latent dimensions (channels times positions).
    public let latentDim: Int
    /// The latent's channels and positions (the prior is per channel).
    public let latent: LatentShape
    /// The rate estimate of the training mode (evaluation always uses the closed form).
    public let trainingRate: RateEstimator

    /// A channel for `latent` with a prior of `kind` per latent channel (starting at N(0, I)),
    /// whose training mode estimates the rate with `trainingRate`.
    public init(prior kind: Prior.Kind, latent: LatentShape, trainingRate: RateEstimator = .closedForm) {
        self.latent = latent
        latentDim = latent.count
        self.trainingRate = trainingRate
        prior = Prior(kind: kind, latent: latent)
    }

    /// A channel of `latentDim` dense dimensions (see `init(prior:latent:trainingRate:)`).
    public convenience init(prior kind: Prior.Kind, latentDim: Int, trainingRate: RateEstimator = .closedForm) {
        self.init(prior: kind, latent: .dense(latentDim), trainingRate: trainingRate)
    }

    /// The same channel with the standard prior N(0, I).
    public var standardSettings: any ChannelSettings { GaussianChannelSettings(prior: .standard, rate: trainingRate) }

    /// eps ~ N(0, I), [rows, K], in the training and evaluation modes.
    public func drawNoise(rows: Int, mode: BottleneckMode, using rng: inout SeededGenerator) -> Tensor? {
        switch mode {
        case .training, .evaluation: return Tensor.randomNormal([rows, latentDim], using: &rng)
        case .noiseless: return nil
        }
    }

    /// Shapes: h [N, 2K] (mu, raw log-variance), eps [N, K] -> z [N, K], rate [N]; details: the
    /// posterior (`GaussianPosterior`). The rate is the closed-form KL, or in training mode with
    /// a Monte Carlo `trainingRate` its one-sample estimate.
    public func transmit(_ h: Tensor, noise eps: Tensor?, mode: BottleneckMode) -> BottleneckOutput {
        let estimator: RateEstimator = mode == .training ? trainingRate : .closedForm
        let k = latentDim
        let parts = h.split([k, k], axis: 1)
        let mu = parts[0], logvar = Channel.logvar(fromRaw: parts[1])
        let z: Tensor
        switch mode {
        case .training, .evaluation:
            guard let eps else { preconditionFailure("the Gaussian channel needs noise in \(mode) mode") }
            z = Channel.transmit(mu: mu, logvar: logvar, eps: eps)
        case .noiseless:
            z = mu
        }
        let r: Tensor
        switch (estimator, eps) {
        case (.monteCarlo, let eps?): r = Rate.monteCarlo(z: z, eps: eps, logvar: logvar, prior: prior)
        case (.closedForm, _), (.monteCarlo, nil): r = Rate.closedForm(mu: mu, logvar: logvar, prior: prior)
        }
        return BottleneckOutput(z: z, rate: r, noiseless: mu, details: GaussianPosterior(mu: mu, logvar: logvar, eps: eps))
    }

    /// z = mu_z + sigma_z z', z' ~ N(0, I) (z = z' for the standard prior). Shapes: -> [count, K].
    public func samplePrior(count: Int, using rng: inout SeededGenerator) -> Tensor {
        priorDraw(Tensor.randomNormal([count, latentDim], using: &rng))
    }

    /// Maps standard noise to the prior: z = mu_z + sigma_z * z'. Shapes: [N, K] -> [N, K].
    public func priorDraw(_ noise: Tensor) -> Tensor {
        switch prior.kind {
        case .standard: return noise
        case .learned: return prior.muPerDimension + prior.logSigmaPerDimension.exp() * noise
        }
    }

    /// The noisy channel's reconstructions: through z = mu + sigma eps, and from z = mu.
    public var pictureWords: PictureWords {
        PictureWords(channel: "channel", noiseless: "z = mu",
                     caption: "Reconstructions, in groups of three: the example | through the noisy channel (z = mu + sigma * eps) | from the mean (z = mu).")
    }

    /// The closed-form rate of each dimension (`Rate.closedFormPerDimension`).
    public func rateByDimension(_ output: BottleneckOutput) -> [Double]? {
        guard let p = output.details as? GaussianPosterior else { return nil }
        return Rate.closedFormPerDimension(mu: p.mu, logvar: p.logvar, prior: prior)
    }

    /// mu_z + sigma_z t (`priorDraw`).
    public func priorPoints(_ standard: Tensor) -> Tensor? { priorDraw(standard) }

    /// The prior's parameters (learned priors only).
    public var namedParameters: [(name: String, tensor: Tensor)] { prior.namedParameters }

    public func evaluationStatistics(examples: Int, exampleShape: [Int], miExamples: Int) -> any BottleneckStatistics {
        GaussianStatistics(prior: prior, latent: latent, miExamples: Swift.min(miExamples, examples))
    }
}

/// What the Gaussian channel's forward pass knows beyond z: the posterior p(z|y) = N(mu, exp(logvar))
/// and the noise eps of the sample (nil without noise). Shapes [N, K] each.
public struct GaussianPosterior: BottleneckDetails {
    /// The posterior's mean and clamped log-variance.
    public let mu: Tensor, logvar: Tensor
    /// The standard noise of the sample z = mu + sigma eps (nil in the noiseless mode).
    public let eps: Tensor?
}

/// The Gaussian channel's own figures: the Monte Carlo rate (its mean and standard error) and
/// the aggregate-posterior estimate of I(y, z) (`MutualInformation`) over the first M examples.
struct GaussianStatistics: BottleneckStatistics {
    let prior: Prior
    let mCount: Int
    let zs: Tensor, mus: Tensor, lvs: Tensor
    var mc = 0.0, mc2 = 0.0, n = 0, rate = 0.0
    /// The closed-form rate split by latent channel (a dense latent's dimension; a map's channel,
    /// summed over its positions), summed over examples.
    var perDimension: [Double]
    let positions: Int

    init(prior: Prior, latent: LatentShape, miExamples: Int) {
        self.prior = prior
        mCount = miExamples
        positions = latent.positions
        let k = latent.count
        perDimension = [Double](repeating: 0, count: latent.channels)
        zs = Tensor(zeros: [miExamples, k]); mus = Tensor(zeros: [miExamples, k]); lvs = Tensor(zeros: [miExamples, k])
    }

    mutating func add(_ output: BottleneckOutput, examples y: Tensor, range: Range<Int>) {
        guard let p = output.details as? GaussianPosterior, let eps = p.eps else { return }
        let mu = p.mu, logvar = p.logvar
        let k = mu.shape[1]
        let rmc = Rate.monteCarlo(z: output.z, eps: eps, logvar: logvar, prior: prior)
        for (j, r) in Rate.closedFormPerDimension(mu: mu, logvar: logvar, prior: prior).enumerated() {
            perDimension[j / positions] += r * Double(range.count)
        }
        for i in 0..<range.count {
            let m = Double(rmc.data[i])
            mc += m; mc2 += m * m; rate += Double(output.rate.data[i])
        }
        n += range.count
        // keep the first mCount posteriors and draws for the MI estimate
        let keep = Swift.max(0, Swift.min(range.upperBound, mCount) - range.lowerBound)
        if keep > 0 {
            (zs.data + range.lowerBound * k).update(from: output.z.data, count: keep * k)
            (mus.data + range.lowerBound * k).update(from: mu.data, count: keep * k)
            (lvs.data + range.lowerBound * k).update(from: logvar.data, count: keep * k)
        }
    }

    func finish() -> (figures: any ChannelFigures, ratePerDimNats: [Double]?) {
        let mi = MutualInformation.estimate(z: zs, mu: mus, logvar: lvs)
        let figures = GaussianFigures(rateMCNats: mc / Double(Swift.max(n, 1)),
                                      rateMCStderr: standardError(sum: mc, sumOfSquares: mc2, count: n),
                                      miEstimateNats: mi, miExamples: mCount,
                                      priorGapNats: rate / Double(Swift.max(n, 1)) - mi)
        return (figures, perDimension.map { $0 / Double(Swift.max(n, 1)) })
    }
}

/// The standard error of the mean of `count` values from their sum and sum of squares.
func standardError(sum s: Double, sumOfSquares s2: Double, count n: Int) -> Double {
    guard n > 1 else { return 0 }
    let N = Double(n)
    return ((s2 / N - (s / N) * (s / N)) * N / (N - 1)).squareRoot() / N.squareRoot()
}
