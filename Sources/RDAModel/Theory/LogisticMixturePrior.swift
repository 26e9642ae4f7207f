import Foundation
import RDACore

/// The quantized channel's learned prior: per latent dimension k a mixture of M logistics,
///
///     p_k(t) = sum_m w_km logistic(t; mu_km, s_km),   w_k = softmax(logits_k),   s = exp(log_scale),
///
/// and the rate of a (noisy or rounded) latent x is -ln of the prior's mass over [x - 1/2, x + 1/2]:
///
///     P_k(x) = sum_m w_km [ sigma(b_km) - sigma(a_km) ],   a = (x - 1/2 - mu) / s,  b = (x + 1/2 - mu) / s,
///     rate(x) = - sum_k ln P_k(x_k)   nats per example.
///
/// At integer x this is exactly the code length of x under the discretized prior, so the training
/// rate (x = y + u, u ~ U(-1/2, 1/2): the additive-uniform-noise proxy for rounding) estimates the
/// coded rate. Each component's mass is computed without cancellation in the tails through
///
///     sigma(b) - sigma(a) = sigma(b) sigma(-a) (1 - e^(-1/s)),
///     ln p_m = ln sigma(b) + ln sigma(-a) + ln(1 - e^(-1/s)),   ln sigma(t) = -softplus(-t),
///
/// and ln P = logsumexp_m (ln w_m + ln p_m). With r_m = w_m p_m / P (the responsibilities):
///
///     d ln P / dx         =  sum_m r_m (sigma(-b) - sigma(a)) / s
///     d ln P / d mu_m     = -r_m (sigma(-b) - sigma(a)) / s
///     d ln P / d ln s_m   =  r_m ( a sigma(a) - b sigma(-b) - c / (e^c - 1) ),   c = 1/s
///     d ln P / d logit_m  =  r_m - w_m
///
/// M = 1 is the discretized logistic with learned location and scale.
public enum LogisticMixturePrior {
    /// ln P_k(x) for one dimension's mixture, and (optionally) its gradients. Parameters of the
    /// M components at `logits`, `loc`, `logScale`.
    @inline(__always)
    static func logMass(_ x: Double, m: Int, logits: UnsafePointer<Float>, loc: UnsafePointer<Float>, logScale: UnsafePointer<Float>,
                        gradients: ((_ dx: Double, _ component: Int, _ dLoc: Double, _ dLogScale: Double, _ dLogit: Double) -> Void)? = nil) -> Double {
        // log-softmax of the logits
        var maxLogit = -Double.infinity
        for j in 0..<m { maxLogit = Swift.max(maxLogit, Double(logits[j])) }
        var z = 0.0
        for j in 0..<m { z += Foundation.exp(Double(logits[j]) - maxLogit) }
        let logNorm = maxLogit + Foundation.log(z)
        // ln(w_m p_m) per component (M is small: a fixed-size buffer)
        var terms = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        var best = -Double.infinity
        withUnsafeMutableBytes(of: &terms) { raw in
            let t = raw.bindMemory(to: Double.self)
            for j in 0..<m {
                let s = Foundation.exp(Double(logScale[j])), c = 1 / s
                let a = (x - 0.5 - Double(loc[j])) * c, b = (x + 0.5 - Double(loc[j])) * c
                let lp = logSigmoid(b) + logSigmoid(-a) + Foundation.log(-Foundation.expm1(-c))
                t[j] = Double(logits[j]) - logNorm + lp
                best = Swift.max(best, t[j])
            }
        }
        var total = 0.0
        withUnsafeBytes(of: &terms) { raw in
            let t = raw.bindMemory(to: Double.self)
            for j in 0..<m { total += Foundation.exp(t[j] - best) }
        }
        let logP = best + Foundation.log(total)
        if let gradients {
            withUnsafeBytes(of: &terms) { raw in
                let t = raw.bindMemory(to: Double.self)
                var dx = 0.0
                for j in 0..<m {
                    let r = Foundation.exp(t[j] - logP)
                    let w = Foundation.exp(Double(logits[j]) - logNorm)
                    let s = Foundation.exp(Double(logScale[j])), c = 1 / s
                    let a = (x - 0.5 - Double(loc[j])) * c, b = (x + 0.5 - Double(loc[j])) * c
                    let slope = (sigmoid(-b) - sigmoid(a)) * c
                    dx += r * slope
                    let dLogScale = r * (a * sigmoid(a) - b * sigmoid(-b) - c / Foundation.expm1(c))
                    gradients(0, j, -r * slope, dLogScale, r - w)
                }
                gradients(dx, -1, 0, 0, 0)
            }
        }
        return logP
    }

    /// The largest number of mixture components (the quantized channel's setting).
    public static let maximumComponents = 8

    /// Per-example rate -sum_k ln P_k(x_k) in nats as one op, with gradients for x and the
    /// prior's parameters. Shapes: x [N, K], logits, loc, logScale [K, M] -> [N].
    public static func rate(_ x: Tensor, logits: Tensor, loc: Tensor, logScale: Tensor) -> Tensor {
        require(x.rank == 2 && logits.rank == 2 && logits.shape[0] == x.shape[1] && loc.shape == logits.shape && logScale.shape == logits.shape,
                "logistic-mixture rate: x \(x.shape) needs parameters [K, M], got \(logits.shape), \(loc.shape), \(logScale.shape)")
        let n = x.shape[0], k = x.shape[1], m = logits.shape[1]
        require(m >= 1 && m <= maximumComponents, "logistic-mixture rate: \(m) components (1...\(maximumComponents))")
        let xp = x.data, lg = logits.data, lc = loc.data, ls = logScale.data
        return Tensor.custom(shape: [n], inputs: [x, logits, loc, logScale], forward: { out in
            parallelRows(n, grain: Swift.max(1, 4096 / Swift.max(k * m, 1))) { r in
                var acc = 0.0
                for j in 0..<k {
                    acc -= logMass(Double(xp[r * k + j]), m: m, logits: lg + j * m, loc: lc + j * m, logScale: ls + j * m)
                }
                out[r] = Float(acc)
            }
        }, backward: { g in
            let xSink: GradientSink? = x.requiresGrad ? x.gradientSink() : nil
            let needParams = logits.requiresGrad || loc.requiresGrad || logScale.requiresGrad
            var dLogits = [Double](repeating: 0, count: k * m), dLoc = dLogits, dLogScale = dLogits
            for r in 0..<n {
                let gr = -Double(g[r])   // rate = -ln P
                for j in 0..<k {
                    var dxValue = 0.0
                    _ = logMass(Double(xp[r * k + j]), m: m, logits: lg + j * m, loc: lc + j * m, logScale: ls + j * m) { dx, c, dl, ds, dw in
                        if c < 0 { dxValue = dx; return }
                        if needParams {
                            dLoc[j * m + c] += gr * dl; dLogScale[j * m + c] += gr * ds; dLogits[j * m + c] += gr * dw
                        }
                    }
                    if let xSink { xSink.put(r * k + j, Float(gr * dxValue)) }
                }
            }
            for (t, d) in [(logits, dLogits), (loc, dLoc), (logScale, dLogScale)] where t.requiresGrad {
                let sink = t.gradientSink()
                for i in 0..<(k * m) { sink.put(i, Float(d[i])) }
            }
        })
    }

    /// The rate split by latent dimension, summed over the rows: entry k is -sum_i ln P_k(x_ik)
    /// in nats (divide by N for the mean per example); the entries add up to the sum over rows
    /// of `rate`. No gradients. Shapes: x [N, K], logits, loc, logScale [K, M] -> K values.
    public static func ratePerDimension(_ x: Tensor, logits: Tensor, loc: Tensor, logScale: Tensor) -> [Double] {
        require(x.rank == 2 && logits.rank == 2 && logits.shape[0] == x.shape[1] && loc.shape == logits.shape && logScale.shape == logits.shape,
                "logistic-mixture rate per dimension: x \(x.shape) needs parameters [K, M], got \(logits.shape), \(loc.shape), \(logScale.shape)")
        let n = x.shape[0], k = x.shape[1], m = logits.shape[1]
        require(m >= 1 && m <= maximumComponents, "logistic-mixture rate per dimension: \(m) components (1...\(maximumComponents))")
        var out = [Double](repeating: 0, count: k)
        for j in 0..<k {
            for r in 0..<n {
                out[j] -= logMass(Double(x.data[r * k + j]), m: m, logits: logits.data + j * m, loc: loc.data + j * m,
                                  logScale: logScale.data + j * m)
            }
        }
        return out
    }

    /// The mixture's CDF at t for one dimension: sum_m w_m sigma((t - mu_m) / s_m).
    public static func cdf(_ t: Double, logits: [Float], loc: [Float], logScale: [Float]) -> Double {
        let maxLogit = Double(logits.max() ?? 0)
        var z = 0.0, acc = 0.0
        for j in logits.indices {
            let w = Foundation.exp(Double(logits[j]) - maxLogit)
            z += w
            acc += w * sigmoid((t - Double(loc[j])) * Foundation.exp(-Double(logScale[j])))
        }
        return acc / z
    }

    /// P(x) = the mass over [x - 1/2, x + 1/2] for one dimension (in double precision).
    public static func mass(_ x: Double, logits: [Float], loc: [Float], logScale: [Float]) -> Double {
        logits.withUnsafeBufferPointer { lg in loc.withUnsafeBufferPointer { lc in logScale.withUnsafeBufferPointer { ls in
            Foundation.exp(logMass(x, m: logits.count, logits: lg.baseAddress!, loc: lc.baseAddress!, logScale: ls.baseAddress!))
        } } }
    }

    @inline(__always) static func sigmoid(_ t: Double) -> Double {
        t >= 0 ? 1 / (1 + Foundation.exp(-t)) : Foundation.exp(t) / (1 + Foundation.exp(t))
    }

    /// ln sigma(t) = -softplus(-t), without overflow.
    @inline(__always) static func logSigmoid(_ t: Double) -> Double {
        t >= 0 ? -Foundation.log1p(Foundation.exp(-t)) : t - Foundation.log1p(Foundation.exp(t))
    }
}
