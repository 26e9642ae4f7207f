import Foundation

/// Integer likelihood tables of 8-bit pixels for entropy coding, from the decoder's outputs: the
/// one function that encoder and decoder of a lossless file both use.
///
/// A pixel's table has 256 slots (levels k = 0...255) of total 2^precision. With F(k) the
/// likelihood's distribution function at the lower edge of bin k (`DiscretizedLikelihood.cumulative`
/// for l2 as a Gaussian of variance 1/(2 lambda) and l1 as a Laplace of scale 1/lambda,
/// `DiscretizedLogistic.cumulative` for the logistic of the decoder's mean and log-scale; F(0) = 0,
/// F(256) = 1), the integer cumulative is
///
///     C(k) = floor(F(k) (2^precision - 256)) + k,     C(0) = 0,  C(256) = 2^precision,
///
/// so every level has frequency C(k + 1) - C(k) >= 1 and the frequencies sum to 2^precision.
/// A level costs -log2((C(k + 1) - C(k)) / 2^precision) bits: at most log2(1 / (1 - 256/2^precision))
/// (2e-5 bits at precision 24) more than -log2 P(k). Only C at two levels is computed to push a
/// pixel, and a few (a search from the mean) to pop one: no 256-entry table is built.
public struct PixelLikelihood: Sendable {
    /// Levels of a pixel.
    public static let levelCount = 256
    /// The likelihood: l2, l1 or the discretized logistic.
    public let kind: DistortionKind
    /// The model's lambda (the scale of the l2 and l1 likelihoods).
    public let lambda: Double
    /// log2 of a table's total.
    public let precision: Int

    /// Tables for `kind` at `lambda`, of total 2^precision (9...24).
    public init(kind: DistortionKind, lambda: Double, precision: Int) {
        precondition((9...24).contains(precision), "PixelLikelihood: precision \(precision) outside 9...24")
        self.kind = kind; self.lambda = lambda; self.precision = precision
    }

    /// C(k) for a pixel whose decoder outputs are `first` (y_hat, or the logistic's mean) and
    /// `second` (the logistic's log-scale; unused for l2 and l1).
    @inline(__always)
    public func cumulative(level k: Int, _ first: Float, _ second: Float) -> UInt32 {
        if k <= 0 { return 0 }
        if k >= Self.levelCount { return UInt32(1) << UInt32(precision) }
        let f: Double
        switch kind {
        case .discretizedLogistic: f = DiscretizedLogistic.cumulative(level: k, mean: Double(first), logScale: Double(second))
        case .l2, .l1: f = DiscretizedLikelihood.cumulative(kind, lambda: lambda, level: k, yHat: Double(first))
        }
        let spread = Double((1 << precision) - Self.levelCount)
        return UInt32(Swift.min(Swift.max(((f.isNaN ? 0 : f) * spread).rounded(.down), 0), spread)) + UInt32(k)
    }

    /// Level k's interval [cumulative, cumulative + frequency) of 2^precision.
    @inline(__always)
    public func interval(level k: Int, _ first: Float, _ second: Float) -> (cumulative: UInt32, frequency: UInt32) {
        let lo = cumulative(level: k, first, second), hi = cumulative(level: k + 1, first, second)
        return (lo, hi - lo)
    }

    /// The level whose interval holds `slot` (0..<2^precision), with its interval: a search
    /// outwards from the level nearest `first` (the mean, where most pixels are: one or two
    /// evaluations of C), then by halves. The answer does not depend on where the search starts.
    @inline(__always)
    public func level(holding slot: UInt32, _ first: Float, _ second: Float) -> (level: Int, cumulative: UInt32, frequency: UInt32) {
        var lo = 0, hi = Self.levelCount          // C(lo) <= slot < C(hi)
        var cLo: UInt32 = 0, cHi = UInt32(1) << UInt32(precision)
        let guess = first.isFinite ? Int((Swift.min(Swift.max(first, 0), 1) * 255).rounded()) : 0
        let cg = cumulative(level: guess, first, second)
        var step = 1
        if cg <= slot {
            lo = guess; cLo = cg
            while lo + step < hi {
                let c = cumulative(level: lo + step, first, second)
                if c > slot { hi = lo + step; cHi = c; break }
                lo += step; cLo = c; step *= 2
            }
        } else {
            hi = guess; cHi = cg
            while hi - step > lo {
                let c = cumulative(level: hi - step, first, second)
                if c <= slot { lo = hi - step; cLo = c; break }
                hi -= step; cHi = c; step *= 2
            }
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            let c = cumulative(level: mid, first, second)
            if c <= slot { lo = mid; cLo = c } else { hi = mid; cHi = c }
        }
        return (lo, cLo, cHi - cLo)
    }
}
