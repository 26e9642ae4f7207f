import Foundation
import RDACore

/// The discretized logistic likelihood of 8-bit pixels (PixelCNN++, Salimans et al. 2017; the
/// `discretized-logistic` distortion): the decoder gives, per pixel j, a mean mu_j and a log-scale
/// l_j (its outputs [N, 2D]: the D means, then the D log-scales), and pixel k = 0...255, stored as
/// y = k/255, has the mass of the logistic of location mu and scale s = e^l on its bin:
///
///     P(k | mu, s) = sigma(b) - sigma(a),   a = (y - h - mu)/s,  b = (y + h - mu)/s,  h = 1/510
///                  = sigma(b) sigma(-a) (1 - e^-(b - a))          (the form computed: no cancellation)
///     k = 0:   P = sigma(b)       (the lower tail joins the first bin)
///     k = 255: P = sigma(-a)      (the upper tail joins the last bin)
///
/// The 256 masses sum to 1, so the distortion d = sum_j -ln P(k_j | mu_j, s_j) (nats) is a code
/// length, and with lambda = 1 the objective rate + d is the negative ELBO of the 8-bit data.
/// l is clamped below at `minimumLogScale` (no gradient there). With t = 1/s, delta = b - a = 2h t:
///
///     d(-ln P)/dmu = t (sigma(-b) - sigma(a))          (k = 0: t sigma(-b);  k = 255: -t sigma(a))
///     d(-ln P)/dl  = b sigma(-b) - a sigma(a) + delta / (e^delta - 1)
///                                                       (k = 0: b sigma(-b); k = 255: -a sigma(a))
public enum DiscretizedLogistic {
    /// Half a bin: pixels k/255 own [k/255 - h, k/255 + h].
    public static let halfBin = 0.5 / 255
    /// The smallest log-scale used (s = e^-7 ~ a quarter of a bin); lower values are clamped.
    public static let minimumLogScale = -7.0

    /// ln sigma(x) = -softplus(-x), stable for either sign.
    @inline(__always)
    static func logSigmoid(_ x: Double) -> Double {
        x >= 0 ? -Foundation.log1p(Foundation.exp(-x)) : x - Foundation.log1p(Foundation.exp(x))
    }

    @inline(__always)
    static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }

    /// The pixel level k = round(255 y) of a value y, clamped to 0...255.
    @inline(__always)
    public static func level(_ y: Double) -> Int { Int((Swift.min(Swift.max(y, 0), 1) * 255).rounded()) }

    /// ln P(k | mu, e^logScale) for the level k of `y` (natural log; <= 0).
    public static func logMass(y: Double, mean mu: Double, logScale: Double) -> Double {
        logMass(level: level(y), mean: mu, logScale: logScale)
    }

    /// ln P(k | mu, e^logScale) for pixel level k in 0...255.
    public static func logMass(level k: Int, mean mu: Double, logScale: Double) -> Double {
        let t = Foundation.exp(-Swift.max(logScale, minimumLogScale))
        let y = Double(k) / 255
        let a = (y - halfBin - mu) * t, b = (y + halfBin - mu) * t
        if k == 0 { return logSigmoid(b) }
        if k == 255 { return logSigmoid(-a) }
        let delta = 2 * halfBin * t
        return logSigmoid(b) + logSigmoid(-a) + Foundation.log(-Foundation.expm1(-delta))
    }

    /// The logistic's distribution function at the lower edge of level k's bin, with the tails
    /// joined to the outer bins: 0 for k = 0, 1 for k = 256, sigma((k/255 - h - mu)/s) between.
    /// The cumulative masses the coding tables (`PixelLikelihood`) are built from.
    public static func cumulative(level k: Int, mean mu: Double, logScale: Double) -> Double {
        if k <= 0 { return 0 }
        if k >= 256 { return 1 }
        let t = Foundation.exp(-Swift.max(logScale, minimumLogScale))
        return sigmoid((Double(k) / 255 - halfBin - mu) * t)
    }

    /// -ln P and its derivatives by mu and by the (unclamped) log-scale, for one pixel.
    @inline(__always)
    static func negativeLogMassAndGradient(y: Double, mean mu: Double, logScale: Double) -> (value: Double, dMean: Double, dLogScale: Double) {
        let k = level(y)
        let clamped = logScale < minimumLogScale
        let t = Foundation.exp(-Swift.max(logScale, minimumLogScale))
        let yk = Double(k) / 255
        let a = (yk - halfBin - mu) * t, b = (yk + halfBin - mu) * t
        let value: Double, dMean: Double, dLogScale: Double
        if k == 0 {
            value = -logSigmoid(b)
            dMean = t * sigmoid(-b); dLogScale = b * sigmoid(-b)
        } else if k == 255 {
            value = -logSigmoid(-a)
            dMean = -t * sigmoid(a); dLogScale = -a * sigmoid(a)
        } else {
            let delta = 2 * halfBin * t
            value = -(logSigmoid(b) + logSigmoid(-a) + Foundation.log(-Foundation.expm1(-delta)))
            dMean = t * (sigmoid(-b) - sigmoid(a))
            dLogScale = b * sigmoid(-b) - a * sigmoid(a) + delta / Foundation.expm1(delta)
        }
        return (value, dMean, clamped ? 0 : dLogScale)
    }

    /// The distortion per example: sum_j -ln P(k_j | mu_j, s_j) in nats.
    /// Shapes: y [N, D] (pixels k/255), parameters [N, 2D] (means, then log-scales) -> [N].
    public static func perExample(_ y: Tensor, _ parameters: Tensor) -> Tensor {
        require(y.rank == 2 && parameters.rank == 2 && parameters.shape == [y.shape[0], 2 * y.shape[1]],
                "discretized logistic: y \(y.shape) must be [N, D] and the decoder's outputs \(parameters.shape) [N, 2D]")
        let n = y.shape[0], d = y.shape[1]
        let yp = y.data, pp = parameters.data
        let grain = Swift.max(1, (1 << 13) / Swift.max(d, 1))
        return Tensor.custom(shape: [n], inputs: [parameters], forward: { out in
            parallelRows(n, grain: grain) { r in
                var total = 0.0
                let row = pp + r * 2 * d
                for j in 0..<d {
                    total += negativeLogMassAndGradient(y: Double(yp[r * d + j]), mean: Double(row[j]), logScale: Double(row[d + j])).value
                }
                out[r] = Float(total)
            }
        }, backward: { g in
            guard parameters.requiresGrad else { return }
            let sink = parameters.gradientSink()
            parallelRows(n, grain: grain) { r in
                let row = pp + r * 2 * d, gr = Double(g[r]), o = sink.pointer + r * 2 * d
                for j in 0..<d {
                    let p = negativeLogMassAndGradient(y: Double(yp[r * d + j]), mean: Double(row[j]), logScale: Double(row[d + j]))
                    if sink.accumulate {
                        o[j] += Float(gr * p.dMean); o[d + j] += Float(gr * p.dLogScale)
                    } else {
                        o[j] = Float(gr * p.dMean); o[d + j] = Float(gr * p.dLogScale)
                    }
                }
            }
        })
    }
}
