import Foundation
import RDACore

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
            let dMean = model.config.distortion.perExample(y, model.decoderOutputs(f.bottleneck.noiseless))
            let l2: Tensor
            switch model.config.distortion {
            case .l2: l2 = f.distortion
            case .l1, .discretizedLogistic: l2 = DistortionKind.l2.perExample(y, f.yHat)
            }
            for i in 0..<range.count {
                let r = Double(f.rate.data[i]), d = Double(f.distortion.data[i])
                rate += r; dist += d
                distMean += Double(dMean.data[i]); sq += Double(l2.data[i])
                let o = Objective.value(rate: r, distortion: d, lambda: lambda)
                obj += o; obj2 += o * o
                if data.isImage {
                    discrete += DiscretizedLikelihood.negativeLogMass(model.config.distortion, lambda: lambda, y: y.data + i * dims,
                                                                      yHat: f.decoderOutputs.data + i * f.decoderOutputs.shape[1], count: dims)
                }
            }
        }
        let N = Double(n)
        let rateMean = rate / N, distMeanV = dist / N
        let d = model.config.dimensions
        let mse = sq / N / Double(d)
        let nelbo = Objective.value(rate: rateMean, distortion: distMeanV, lambda: lambda) + model.config.distortion.logNormalizer(lambda: lambda, dimensions: d)
        let (figures, ratePerDim) = statistics.finish()
        var report = EvaluationReport(
            data: dataName, split: split.rawValue, examples: n, seed: seed, lambda: lambda,
            distortionKind: model.config.distortion.rawValue,
            channel: ChannelFiguresSection(kind: model.config.channel.name, figures: figures),
            rateNats: rateMean, rateBits: Rate.bits(fromNats: rateMean),
            distortion: distMeanV, distortionMeanLatent: distMean / N,
            objective: obj / N, objectiveStderr: standardError(sum: obj, sumOfSquares: obj2, count: n),
            msePerDim: mse, psnrDb: data.isImage ? 10 * log10(1 / mse) : nil,
            nelboNats: nelbo, bitsPerDim: nelbo / (Double(d) * M_LN2))
        report.ratePerDimNats = ratePerDim
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
