import Foundation
import RDACore

/// Everything `rda eval` reports about a model on a data split (the keys of `eval --json`).
///
/// The channel-independent figures are always present; each bottleneck fills in its own
/// (`BottleneckStatistics`): the Gaussian channel the Monte Carlo rate and the mutual-information
/// estimate, the quantized channel the coded, estimated and container bits.
public struct EvaluationReport: Codable, Sendable {
    /// The analytic optimum at the model's lambda (Gaussian sources, L2).
    public struct Bound: Codable, Sendable {
        /// Rate in nats, distortion, and rate + lambda * distortion at the optimum.
        public var rateNats: Double, distortion: Double, objective: Double
        /// "gaussian" or "laplace" (absent in reports written before there were two).
        public var kind: String?
        enum CodingKeys: String, CodingKey { case rateNats = "rate_nats", distortion, objective, kind }
    }
    /// The data's name (`mnist`, `gaussian:4,2,1`, a folder).
    public var data: String
    /// `train` or `test`.
    public var split: String
    /// Number of examples scored.
    public var examples: Int
    /// Seed of the channel noise.
    public var seed: UInt64
    /// The model's lambda.
    public var lambda: Double
    /// `l2` or `l1`.
    public var distortionKind: String
    /// The bottleneck (absent for the Gaussian channel, as in files written before it existed).
    public var channel: String?
    /// Mean rate, nats and bits: the closed-form KL(p(z|y) || p_hat(z)) for the Gaussian
    /// channel, -ln P(z~) under the (float) learned prior for the quantized one.
    public var rateNats: Double, rateBits: Double
    /// Mean single-sample Monte Carlo rate and its standard error (Gaussian channel).
    public var rateMCNats: Double?, rateMCStderr: Double?
    /// The distortion through the evaluation channel (Gaussian: one eps per example; quantized:
    /// z~ = round(y)), and without a channel (z = mu; quantized: y unrounded).
    public var distortion: Double, distortionMeanLatent: Double
    /// rate + lambda * distortion, and its standard error over examples.
    public var objective: Double, objectiveStderr: Double
    /// Squared error per dimension through the evaluation channel, and the PSNR it implies (images: peak 1).
    public var msePerDim: Double, psnrDb: Double?
    /// Aggregate-posterior estimate of I(y, z) (<= ln miExamples), and rate minus it (Gaussian channel).
    public var miEstimateNats: Double?, miExamples: Int?, priorGapNats: Double?
    /// The VAE reading: rate + lambda d + the likelihood's normalizer; per dimension in bits.
    public var nelboNats: Double, bitsPerDim: Double
    /// Quantized channel: payload bits per example from actually entropy coding the evaluation
    /// set, the integer tables' -log2 P(z~) per example, and the whole `.rdac` file per example.
    public var codedBitsPerImage: Double?, estimatedBitsPerImage: Double?, containerBitsPerImage: Double?
    /// The exact optimum when the source's R(D) under this distortion is known (Gaussian under
    /// l2, Laplace under l1); written as null otherwise, with `boundNote` saying why.
    @NullEncoded public var bound: Bound?
    /// Why `bound` is null (no closed-form R(D) for this source and distortion); nil when it is set.
    public var boundNote: String? = nil
    /// The rate split by latent dimension (mean over examples, nats, entry k for dimension k;
    /// sums to `rateNats`): Gaussian channel the closed-form KL of dimension k; quantized channel
    /// -ln P_k(z~_k) under the float prior. Absent in reports written before it existed.
    public var ratePerDimNats: [Double]?
    /// For Gaussian sources: the bound's rate per source component (reverse water-filling), in
    /// the order of the source's variances.
    public var boundRatePerComponentNats: [Double]?
    /// Images: the NELBO with the likelihood's mass on each 8-bit pixel value instead of its
    /// density (`DiscretizedLikelihood`), in bits per dimension, as VAE papers report it.
    public var bitsPerDim8bit: Double? = nil

    enum CodingKeys: String, CodingKey {
        case data, split, examples, seed, lambda, objective, distortion, bound, channel
        case boundNote = "bound_note"
        case distortionKind = "distortion_kind"
        case rateNats = "rate_nats", rateBits = "rate_bits"
        case rateMCNats = "rate_mc_nats", rateMCStderr = "rate_mc_stderr"
        case distortionMeanLatent = "distortion_mean_latent"
        case objectiveStderr = "objective_stderr"
        case msePerDim = "mse_per_dim", psnrDb = "psnr_db"
        case miEstimateNats = "mi_estimate_nats", miExamples = "mi_examples", priorGapNats = "prior_gap_nats"
        case nelboNats = "nelbo_nats", bitsPerDim = "bits_per_dim"
        case codedBitsPerImage = "coded_bits_per_image", estimatedBitsPerImage = "estimated_bits_per_image"
        case containerBitsPerImage = "container_bits_per_image"
        case ratePerDimNats = "rate_per_dim_nats", boundRatePerComponentNats = "bound_rate_per_component_nats"
        case bitsPerDim8bit = "bits_per_dim_8bit"
    }
}

/// Scores a trained model without recording gradients.
public enum Evaluator {
    /// Examples per forward pass when scoring (larger batches make better use of the products).
    public static let defaultBatchSize = 1000

    /// Mean rate and distortion through the evaluation channel (the per-epoch test figures).
    public static func quick(model: RateDistortionAutoencoder, data: Dataset, seed: UInt64, batchSize: Int = defaultBatchSize) -> (rate: Double, distortion: Double) {
        var sumR = 0.0, sumD = 0.0
        forEachScoredBatch(model: model, data: data, seed: seed, batchSize: batchSize) { _, _, f in
            sumR += sum(f.rate); sumD += sum(f.distortion)
        }
        let n = Double(max(data.count, 1))
        return (sumR / n, sumD / n)
    }

    /// The full report. `seed` drives the channel noise: same seed, same figures.
    public static func evaluate(model: RateDistortionAutoencoder, data: Dataset, split: Split, dataName: String,
                                seed: UInt64, batchSize: Int = defaultBatchSize, miExamples: Int = 10_000,
                                bound: BoundChoice? = nil) throws -> EvaluationReport {
        try model.checkFits(data, name: dataName)
        let lambda = model.config.lambda, n = data.count
        guard n > 0 else { throw RDAError("\(dataName) \(split.rawValue) split has no examples") }
        var rate = 0.0, dist = 0.0, distMean = 0.0, sq = 0.0, obj = 0.0, obj2 = 0.0
        var discrete = 0.0   // sum of -ln P(8-bit pixels | y_hat), images only
        let dims = model.config.dimensions
        var statistics = model.bottleneck.evaluationStatistics(examples: n, exampleShape: model.config.exampleShape, miExamples: miExamples)
        forEachScoredBatch(model: model, data: data, seed: seed, batchSize: batchSize) { range, y, f in
            statistics.add(f.bottleneck, examples: y, range: range)
            let dMean = model.config.distortion.perExample(y, model.decode(f.bottleneck.noiseless))
            let l2: Tensor
            switch model.config.distortion {
            case .l2: l2 = f.distortion
            case .l1: l2 = DistortionKind.l2.perExample(y, f.yHat)
            }
            for i in 0..<range.count {
                let r = Double(f.rate.data[i]), d = Double(f.distortion.data[i])
                rate += r; dist += d
                distMean += Double(dMean.data[i]); sq += Double(l2.data[i])
                let o = Objective.value(rate: r, distortion: d, lambda: lambda)
                obj += o; obj2 += o * o
                if data.isImage {
                    discrete += DiscretizedLikelihood.negativeLogMass(model.config.distortion, lambda: lambda, y: y.data + i * dims,
                                                                      yHat: f.yHat.data + i * dims, count: dims)
                }
            }
        }
        let N = Double(n)
        let rateMean = rate / N, distMeanV = dist / N
        let d = model.config.dimensions
        let mse = sq / N / Double(d)
        let nelbo = Objective.value(rate: rateMean, distortion: distMeanV, lambda: lambda) + model.config.distortion.logNormalizer(lambda: lambda, dimensions: d)
        var report = EvaluationReport(
            data: dataName, split: split.rawValue, examples: n, seed: seed, lambda: lambda,
            distortionKind: model.config.distortion.rawValue,
            channel: model.config.channel == .gaussian ? nil : model.config.channel.rawValue,
            rateNats: rateMean, rateBits: Rate.bits(fromNats: rateMean),
            rateMCNats: nil, rateMCStderr: nil,
            distortion: distMeanV, distortionMeanLatent: distMean / N,
            objective: obj / N, objectiveStderr: standardError(sum: obj, sumOfSquares: obj2, count: n),
            msePerDim: mse, psnrDb: data.isImage ? 10 * log10(1 / mse) : nil,
            miEstimateNats: nil, miExamples: nil, priorGapNats: nil,
            nelboNats: nelbo, bitsPerDim: nelbo / (Double(d) * M_LN2),
            codedBitsPerImage: nil, estimatedBitsPerImage: nil, containerBitsPerImage: nil, bound: nil)
        statistics.finish(into: &report)
        if data.isImage { report.bitsPerDim8bit = (rateMean + discrete / N) / (Double(d) * M_LN2) }
        switch bound {
        case .exact(let b)? where b.distortionKind == model.config.distortion:
            let p = b.optimum(lambda: lambda)
            report.bound = EvaluationReport.Bound(rateNats: p.rateNats, distortion: p.distortion, objective: p.objective, kind: b.kind)
            if let g = b as? GaussianRateDistortion {
                report.boundRatePerComponentNats = g.allocation(lambda: lambda).map(\.rateNats)
            }
        case .exact(let b)?:
            report.boundNote = "no exact bound: the \(b.kind) R(D) is for \(b.distortionKind.rawValue) distortion, the model uses \(model.config.distortion.rawValue)"
        case .unavailable(let reason)?: report.boundNote = reason
        case nil: break
        }
        return report
    }
}

/// Without gradients, for consecutive batches of `data` in order: body(range, examples y, the
/// forward pass in evaluation mode with channel noise drawn from `seed`'s generator). The one
/// batch loop of evaluation: same seed, same noise, same figures.
private func forEachScoredBatch(model: RateDistortionAutoencoder, data: Dataset, seed: UInt64, batchSize: Int,
                                _ body: (Range<Int>, Tensor, Forward) -> Void) {
    var rng = SeededGenerator(seed: seed)
    withoutGradients {
        forEachBatch(data.count, batchSize) { range in
            let y = data.examples.slice(range)
            let noise = model.drawNoise(rows: range.count, mode: .evaluation, using: &rng)
            body(range, y, model.forward(y, noise: noise, mode: .evaluation))
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
