import Foundation
import RDACore

extension BitsBack {
    /// What a file's chain was coded with (the `.rdac` method parameters): bucket count,
    /// precisions and the number of initial words. Bytes: format 1, log2 B, the posterior's
    /// precision, the pixels' precision, the initial words (2 bytes, little-endian); format 2
    /// (more than 2^16 - 1 initial words: the latent maps of large images) has 4 bytes for them.
    public struct Parameters: Equatable, Sendable {
        /// log2 of the buckets per latent dimension.
        public var bucketBits = LatentBuckets.defaultBucketBits
        /// log2 of the posterior tables' total.
        public var posteriorPrecision = LatentBuckets.defaultPrecision
        /// log2 of the pixel tables' total.
        public var pixelPrecision = 24
        /// 32-bit words of seeded bits under the initial state (the bits the first example
        /// borrows: K log2 B of them at most, rounded up).
        public var initialWords: Int

        /// The parameters `rda compress --lossless` uses for a model of `latentDim` latent values
        /// per example (a spatial model's channels x positions: `LatentShape.count`).
        public init(latentDim: Int) {
            initialWords = (latentDim * LatentBuckets.defaultBucketBits + 31) / 32
        }

        /// The most initial words a file may declare (1 GiB of them; a chain that would borrow more
        /// is clamped to this, and its first pops run on an exhausted stack: valid, but costly).
        public static let maximumInitialWords = 1 << 28

        /// The parameter bytes of a `.rdac` file (format 1 when the initial words fit 2 bytes).
        public var bytes: [UInt8] {
            let head = [UInt8(bucketBits), UInt8(posteriorPrecision), UInt8(pixelPrecision)]
            if initialWords <= 0xFFFF { return [1] + head + [UInt8(initialWords & 0xFF), UInt8(initialWords >> 8)] }
            return [2] + head + (0..<4).map { UInt8(truncatingIfNeeded: initialWords >> (8 * $0)) }
        }

        /// Parameters read from a file, validated; nil when they are not ones this rda can code with.
        public init?(bytes b: [UInt8]) {
            guard (b.count == 6 && b[0] == 1) || (b.count == 8 && b[0] == 2) else { return nil }
            bucketBits = Int(b[1]); posteriorPrecision = Int(b[2]); pixelPrecision = Int(b[3])
            initialWords = b[4...].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard (1...16).contains(bucketBits), (bucketBits + 1...24).contains(posteriorPrecision), (9...24).contains(pixelPrecision),
                  initialWords <= Self.maximumInitialWords else { return nil }
        }
    }

    /// The networks and tables of one model, run one example at a time.
    struct Networks {
        let model: RateDistortionAutoencoder
        let d: Int, k: Int, m: Int
        let buckets: LatentBuckets
        let likelihood: PixelLikelihood
        /// The prior's mean and standard deviation per latent dimension.
        let priorMean: [Double], priorSD: [Double]
        /// The layers' weights packed once for the run's 1-row products.
        let packedWeights = PackedWeightCache()

        init(_ model: RateDistortionAutoencoder, parameters: Parameters) throws {
            let channel = try BitsBack.channel(model)
            self.model = model
            d = model.config.dimensions; k = model.config.latentShape.count   // spatial: channels x positions
            m = model.config.distortion.decoderOutputsPerDimension
            buckets = LatentBuckets(bucketBits: parameters.bucketBits, precision: parameters.posteriorPrecision)
            likelihood = PixelLikelihood(kind: model.config.distortion, lambda: model.config.lambda, precision: parameters.pixelPrecision)
            let mu = channel.prior.muPerDimension, ls = channel.prior.logSigmaPerDimension
            priorMean = (0..<k).map { Double(mu.data[$0]) }
            priorSD = (0..<k).map { exp(Double(ls.data[$0])) }
        }

        /// q(z|y) standardized by the prior (mean, sd per dimension) and its KL to the prior in nats.
        func posterior(_ levels: [UInt8]) -> (mean: [Double], sd: [Double], kl: [Double]) {
            let y = Tensor(shape: [1, d], values: levels.map { Float($0) / 255 })
            let h = withoutGradients { packedWeights.run { model.encoder(y) } }
            var mean = [Double](repeating: 0, count: k), sd = mean, kl = mean
            let range = Channel.logvarRange
            for j in 0..<k {
                let lv = Double(Swift.min(Swift.max(h.data[k + j], range.lowerBound), range.upperBound))
                let mj = (Double(h.data[j]) - priorMean[j]) / priorSD[j]
                let sj = exp(lv / 2) / priorSD[j]
                mean[j] = mj; sd[j] = sj
                kl[j] = 0.5 * (mj * mj + sj * sj - 1) - log(sj)
            }
            return (mean, sd, kl)
        }

        /// The decoder's outputs at the buckets' centres.
        func decoderOutputs(_ b: [Int]) -> [Float] {
            let z = Tensor(shape: [1, k], values: (0..<k).map { Float(priorMean[$0] + priorSD[$0] * buckets.centres[b[$0]]) })
            let out = withoutGradients { packedWeights.run { model.decoderOutputs(z) } }
            return Array(UnsafeBufferPointer(start: out.data, count: d * m))
        }

        /// Pixel j's table parameters: y_hat or the logistic's mean, and its log-scale (0 for l2, l1).
        @inline(__always)
        func parameters(_ out: [Float], _ j: Int) -> (Float, Float) { (out[j], m == 2 ? out[d + j] : 0) }

        /// -ln P(level) under the float likelihood (for the statistics).
        func negativeLogLikelihood(level: Int, _ a: Float, _ s: Float) -> Double {
            switch model.config.distortion {
            case .discretizedLogistic: return -DiscretizedLogistic.logMass(level: level, mean: Double(a), logScale: Double(s))
            case .l2, .l1: return DiscretizedLikelihood.negativeLogMass(model.config.distortion, lambda: model.config.lambda, y: Double(level) / 255, yHat: Double(a))
            }
        }
    }
}
