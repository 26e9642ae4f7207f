import Foundation
import RDACore

/// Everything `rda eval` reports about a model on a data split (the keys of `eval --json`).
public struct EvaluationReport: Codable, Sendable {
    public struct Bound: Codable, Sendable {
        public var rateNats: Double, distortion: Double, objective: Double
        enum CodingKeys: String, CodingKey { case rateNats = "rate_nats", distortion, objective }
    }
    public var data: String
    public var split: String
    public var examples: Int
    public var seed: UInt64
    public var lambda: Double
    public var distortionKind: String
    /// Mean closed-form KL(p(z|y) || p_hat(z)), nats and bits.
    public var rateNats: Double, rateBits: Double
    /// Mean single-sample Monte Carlo rate and its standard error.
    public var rateMCNats: Double, rateMCStderr: Double
    /// E_eps d(y, y_hat(mu + sigma eps)) (one eps per example), and d(y, y_hat(mu)).
    public var distortion: Double, distortionMeanLatent: Double
    /// rate + lambda * distortion, and its standard error over examples.
    public var objective: Double, objectiveStderr: Double
    /// Squared error per dimension through the noisy channel, and the PSNR it implies (images: peak 1).
    public var msePerDim: Double, psnrDb: Double?
    /// Aggregate-posterior estimate of I(y, z) (<= ln miExamples), and rate minus it.
    public var miEstimateNats: Double, miExamples: Int, priorGapNats: Double
    /// The VAE reading: rate + lambda d + the likelihood's normalizer; per dimension in bits.
    public var nelboNats: Double, bitsPerDim: Double
    /// Analytic optimum for Gaussian sources.
    public var bound: Bound?

    enum CodingKeys: String, CodingKey {
        case data, split, examples, seed, lambda, objective, distortion, bound
        case distortionKind = "distortion_kind"
        case rateNats = "rate_nats", rateBits = "rate_bits"
        case rateMCNats = "rate_mc_nats", rateMCStderr = "rate_mc_stderr"
        case distortionMeanLatent = "distortion_mean_latent"
        case objectiveStderr = "objective_stderr"
        case msePerDim = "mse_per_dim", psnrDb = "psnr_db"
        case miEstimateNats = "mi_estimate_nats", miExamples = "mi_examples", priorGapNats = "prior_gap_nats"
        case nelboNats = "nelbo_nats", bitsPerDim = "bits_per_dim"
    }
}

/// Scores a trained model without recording gradients.
public enum Evaluator {
    /// Examples per forward pass when scoring (larger batches make better use of the products).
    public static let defaultBatchSize = 1000

    /// Mean closed-form rate and noisy distortion (the per-epoch test figures).
    public static func quick(model: RateDistortionAutoencoder, data: Dataset, seed: UInt64, batchSize: Int = defaultBatchSize) -> (rate: Double, distortion: Double) {
        var sumR = 0.0, sumD = 0.0
        forEachScoredBatch(model: model, data: data, seed: seed, batchSize: batchSize) { _, _, _, f in
            sumR += sum(f.rate); sumD += sum(f.distortion)
        }
        let n = Double(max(data.count, 1))
        return (sumR / n, sumD / n)
    }

    /// The full report. `seed` drives the channel noise: same seed, same figures.
    public static func evaluate(model: RateDistortionAutoencoder, data: Dataset, split: Split, dataName: String,
                                seed: UInt64, batchSize: Int = defaultBatchSize, miExamples: Int = 10_000,
                                bound: GaussianRateDistortion? = nil) throws -> EvaluationReport {
        try model.checkFits(data, name: dataName)
        let k = model.config.latentDim, lambda = model.config.lambda, n = data.count
        guard n > 0 else { throw RDAError("\(dataName) \(split.rawValue) split has no examples") }
        var rate = 0.0, mc = 0.0, mc2 = 0.0, dist = 0.0, distMean = 0.0, sq = 0.0, obj = 0.0, obj2 = 0.0
        let mCount = min(miExamples, n)
        let zs = Tensor(zeros: [mCount, k]), mus = Tensor(zeros: [mCount, k]), lvs = Tensor(zeros: [mCount, k])
        forEachScoredBatch(model: model, data: data, seed: seed, batchSize: batchSize) { range, y, eps, f in
            let rmc = Rate.monteCarlo(z: f.z, eps: eps, logvar: f.logvar, prior: model.prior)
            let dMean = model.config.distortion.perExample(y, model.decode(f.mu))
            let l2 = model.config.distortion == .l2 ? f.distortion : DistortionKind.l2.perExample(y, f.yHat)
            for i in 0..<range.count {
                let r = Double(f.rate.data[i]), d = Double(f.distortion.data[i]), m = Double(rmc.data[i])
                rate += r; dist += d; mc += m; mc2 += m * m
                distMean += Double(dMean.data[i]); sq += Double(l2.data[i])
                let o = r + lambda * d
                obj += o; obj2 += o * o
            }
            // keep the first mCount posteriors and draws for the MI estimate
            let keep = max(0, min(range.upperBound, mCount) - range.lowerBound)
            if keep > 0 {
                (zs.data + range.lowerBound * k).update(from: f.z.data, count: keep * k)
                (mus.data + range.lowerBound * k).update(from: f.mu.data, count: keep * k)
                (lvs.data + range.lowerBound * k).update(from: f.logvar.data, count: keep * k)
            }
        }
        let N = Double(n)
        func stderr(_ s: Double, _ s2: Double) -> Double {
            n > 1 ? ((s2 / N - (s / N) * (s / N)) * N / (N - 1)).squareRoot() / N.squareRoot() : 0
        }
        let rateMean = rate / N, distMeanV = dist / N
        let mi = MutualInformation.estimate(z: zs, mu: mus, logvar: lvs)
        let d = model.config.dimensions
        let mse = sq / N / Double(d)
        let nelbo = rateMean + lambda * distMeanV + model.config.distortion.logNormalizer(lambda: lambda, dimensions: d)
        var report = EvaluationReport(
            data: dataName, split: split.rawValue, examples: n, seed: seed, lambda: lambda,
            distortionKind: model.config.distortion.rawValue,
            rateNats: rateMean, rateBits: Rate.bits(fromNats: rateMean),
            rateMCNats: mc / N, rateMCStderr: stderr(mc, mc2),
            distortion: distMeanV, distortionMeanLatent: distMean / N,
            objective: obj / N, objectiveStderr: stderr(obj, obj2),
            msePerDim: mse, psnrDb: data.isImage ? 10 * log10(1 / mse) : nil,
            miEstimateNats: mi, miExamples: mCount, priorGapNats: rateMean - mi,
            nelboNats: nelbo, bitsPerDim: nelbo / (Double(d) * M_LN2), bound: nil)
        if let bound, model.config.distortion == .l2 {   // the Gaussian R(D) is for squared error
            let p = bound.optimum(lambda: lambda)
            report.bound = EvaluationReport.Bound(rateNats: p.rateNats, distortion: p.distortion, objective: p.objective)
        }
        return report
    }
}

/// Without gradients, for consecutive batches of `data` in order: body(range, examples y,
/// channel noise eps drawn from `seed`'s generator, the forward pass). The one batch loop of
/// evaluation: same seed, same noise, same figures.
private func forEachScoredBatch(model: RateDistortionAutoencoder, data: Dataset, seed: UInt64, batchSize: Int,
                                _ body: (Range<Int>, Tensor, Tensor, Forward) -> Void) {
    var rng = SeededGenerator(seed: seed)
    withoutGradients {
        forEachBatch(data.count, batchSize) { range in
            let y = data.examples.slice(range)
            let eps = Tensor.randomNormal([range.count, model.config.latentDim], using: &rng)
            body(range, y, eps, model.forward(y, eps: eps))
        }
    }
}

/// Calls `body` with consecutive ranges of at most `size` covering 0..<n.
func forEachBatch(_ n: Int, _ size: Int, _ body: (Range<Int>) -> Void) {
    var lo = 0
    while lo < n { let hi = min(n, lo + size); body(lo..<hi); lo = hi }
}

func sum(_ t: Tensor) -> Double {
    var acc = 0.0
    for i in 0..<t.count { acc += Double(t.data[i]) }
    return acc
}
