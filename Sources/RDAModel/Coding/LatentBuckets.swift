import Foundation
import RDACoding

/// The prior's equal-mass buckets of one latent dimension, and the Gaussian posterior
/// discretized to them: the latent alphabet of bits-back coding (Townsend et al. 2019).
///
/// In the prior's standardized coordinates (z' = (z - mu_z) / sigma_z, prior N(0, 1)) bucket
/// i = 0..<B is [e_i, e_(i+1)) with e_i = Phi^-1(i / B) (e_0 = -inf, e_B = +inf): each has prior
/// mass 1/B, so pushing a bucket with the prior costs exactly log2 B bits. The decoder sees the
/// bucket's centre Phi^-1((i + 1/2) / B). The posterior N(m, s^2) (standardized) gets
///
///     C(i) = floor(Phi((e_i - m) / s) (2^precision - B)) + i,   C(0) = 0,  C(B) = 2^precision,
///
/// every bucket frequency C(i + 1) - C(i) >= 1. Popping a bucket with it takes back
/// -log2 Q(i) bits; the net cost, log2 B + log2 Q(i), averages to the KL as buckets get fine.
///
/// B = 2^12 (`defaultBucketBits`): the buckets near the mode are 0.0006 prior standard deviations
/// wide, far below the posterior's (MNIST: sigma ~ 0.05...1), so the decoder's bucket centre is a
/// sample of q(z|y) to within its width and the discretization adds nothing measurable to the KL;
/// the price is the chain's initial bits (K x 12 of them, once per file) and 13 comparisons a
/// dimension. BB-ANS's 2^8 buckets would be 0.01 wide near the mode. Precision 24 leaves
/// B / 2^24 = 2^-12 of the posterior's mass to the floor of one per bucket.
public struct LatentBuckets: Sendable {
    /// log2 B used by `rda compress --lossless`.
    public static let defaultBucketBits = 12
    /// log2 of a posterior table's total.
    public static let defaultPrecision = 24

    /// log2 B.
    public let bucketBits: Int
    /// log2 of the posterior tables' total.
    public let precision: Int
    /// e_0 ... e_B (standardized; -inf and +inf at the ends).
    public let edges: [Double]
    /// The bucket centres Phi^-1((i + 1/2) / B), standardized.
    public let centres: [Double]

    /// B = 2^bucketBits buckets (1...16), posterior tables of 2^precision (bucketBits + 1...24).
    public init(bucketBits: Int = defaultBucketBits, precision: Int = defaultPrecision) {
        precondition((1...16).contains(bucketBits) && (bucketBits + 1...24).contains(precision),
                     "LatentBuckets: \(bucketBits) bucket bits, precision \(precision)")
        self.bucketBits = bucketBits; self.precision = precision
        let b = 1 << bucketBits
        edges = (0...b).map { i in i == 0 ? -.infinity : (i == b ? .infinity : StandardNormal.quantile(Double(i) / Double(b))) }
        centres = (0..<b).map { StandardNormal.quantile((Double($0) + 0.5) / Double(b)) }
    }

    /// B, the number of buckets.
    public var count: Int { 1 << bucketBits }

    /// C(i) for the standardized posterior N(mean, sd^2).
    @inline(__always)
    public func cumulative(bucket i: Int, mean: Double, sd: Double) -> UInt32 {
        if i <= 0 { return 0 }
        if i >= count { return UInt32(1) << UInt32(precision) }
        let spread = Double((1 << precision) - count)
        let f = StandardNormal.cdf((edges[i] - mean) / sd)
        return UInt32(Swift.min(Swift.max(((f.isNaN ? 0 : f) * spread).rounded(.down), 0), spread)) + UInt32(i)
    }

    /// Bucket i's posterior interval [cumulative, cumulative + frequency) of 2^precision.
    @inline(__always)
    public func interval(bucket i: Int, mean: Double, sd: Double) -> (cumulative: UInt32, frequency: UInt32) {
        let lo = cumulative(bucket: i, mean: mean, sd: sd), hi = cumulative(bucket: i + 1, mean: mean, sd: sd)
        return (lo, hi - lo)
    }

    /// The bucket whose posterior interval holds `slot`, with its interval.
    @inline(__always)
    public func bucket(holding slot: UInt32, mean: Double, sd: Double) -> (bucket: Int, cumulative: UInt32, frequency: UInt32) {
        var lo = 0, hi = count
        var cLo: UInt32 = 0, cHi = UInt32(1) << UInt32(precision)
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            let c = cumulative(bucket: mid, mean: mean, sd: sd)
            if c <= slot { lo = mid; cLo = c } else { hi = mid; cHi = c }
        }
        return (lo, cLo, cHi - cLo)
    }
}
