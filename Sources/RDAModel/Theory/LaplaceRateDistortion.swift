import Foundation

/// Shannon's rate-distortion function of an independent Laplace source under absolute error.
///
/// One component: y has density p(y) = 1/(2b) exp(-|y| / b) (scale b, variance 2 b^2), distortion
/// d(y, y_hat) = |y - y_hat|. Then R(D) = ln(b / D) nats for 0 < D <= b, and 0 for D >= b.
///
/// Derivation.
/// - Converse (Shannon lower bound). For any test channel with E|y - y_hat| <= D,
///   I(y; y_hat) = h(y) - h(y | y_hat) >= h(y) - h(y - y_hat) (conditioning reduces entropy, and
///   h(y | y_hat) = h(y - y_hat | y_hat)). Among densities with E|n| <= D the Laplace of scale D has
///   the largest entropy, ln(2 e D), and h(y) = ln(2 e b); so I >= ln(2 e b) - ln(2 e D) = ln(b / D).
/// - Achievability. Write y = y_hat + n with n ~ Laplace(D) independent of y_hat. The
///   characteristic functions multiply: 1/(1 + b^2 t^2) = phi_yhat(t) / (1 + D^2 t^2), so
///   phi_yhat(t) = (1 + D^2 t^2)/(1 + b^2 t^2) = D^2/b^2 + (1 - D^2/b^2) / (1 + b^2 t^2): y_hat is 0
///   with probability (D/b)^2 and Laplace(b) otherwise, a valid distribution for D <= b. This joint
///   law has E|y - y_hat| = E|n| = D and I(y; y_hat) = h(y) - h(n) = ln(b / D): the lower bound is met.
///   The optimal test channel is therefore not an additive Gaussian one (y_hat has an atom at 0 and
///   the backward noise is Laplace), so a Gaussian noisy-channel RDA need not reach it.
/// - For D >= b, y_hat = 0 costs no rate and has E|y| = b <= D.
///
/// Independent components with scales b_i, distortion summed: R(D) = min sum_i ln(b_i / D_i) over
/// allocations with sum_i D_i = D, 0 < D_i <= b_i. The curve is convex, and minimising
/// R + lambda D per component (d/dD_i [ln(b_i / D_i) + lambda D_i] = 0) gives a common level
/// theta = 1/lambda: D_i = min(theta, b_i), R = sum_i ln(b_i / D_i) nats, D = sum_i D_i, the slope
/// -dR/dD = 1/theta = lambda. This mirrors reverse water-filling for the Gaussian
/// (`GaussianRateDistortion`, where theta = 1/(2 lambda)).
public struct LaplaceRateDistortion: Sendable {
    /// Component scales b_i (E|y_i| = b_i, variance 2 b_i^2), all > 0.
    public let scales: [Double]

    /// The curve of independent Laplace components with these scales b_i (each positive and finite).
    public init(scales: [Double]) {
        precondition(scales.allSatisfy { $0 > 0 && $0.isFinite }, "scales must be positive and finite")
        self.scales = scales
    }

    /// The curve at level theta: D_i = min(theta, b_i), R = sum ln(b_i / D_i).
    public func point(level theta: Double) -> (rateNats: Double, distortion: Double) {
        var r = 0.0, d = 0.0
        for b in scales {
            let di = Swift.min(theta, b)
            d += di
            r += Foundation.log(b / di)
        }
        return (r, d)
    }

    /// The optimum of rate + lambda * distortion: level theta = 1/lambda.
    public func optimum(lambda: Double) -> RateDistortionPoint {
        precondition(lambda > 0 && lambda.isFinite, "lambda must be positive and finite")
        let p = point(level: 1 / lambda)
        return RateDistortionPoint(lambda: lambda, rateNats: p.rateNats, distortion: p.distortion)
    }

    /// R(D) for a total distortion target D: finds theta with sum min(theta, b_i) = D by bisection.
    /// Returns 0 for D >= sum b_i.
    public func rate(atDistortion target: Double) -> Double {
        let total = scales.reduce(0, +)
        if target >= total { return 0 }
        precondition(target > 0, "distortion target must be positive")
        var lo = 0.0, hi = scales.max()!
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if point(level: mid).distortion < target { lo = mid } else { hi = mid }
        }
        return point(level: 0.5 * (lo + hi)).rateNats
    }

    /// `count` points along the whole curve, from tiny distortion to zero rate (levels spaced
    /// geometrically from min(b)/1000 to max(b)), for plotting.
    public func curve(count: Int = 200) -> [(rateNats: Double, distortion: Double)] {
        let lo = scales.min()! / 1000, hi = scales.max()!
        return (0..<count).map { i in
            point(level: lo * Foundation.pow(hi / lo, Double(i) / Double(count - 1)))
        }
    }
}
