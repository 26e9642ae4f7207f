import Foundation

/// Shannon's rate-distortion function of an independent Gaussian source under squared error,
/// by reverse water-filling.
///
/// For component variances v_i and a water level theta, D_i = min(theta, v_i) and
/// R = sum_i 1/2 ln(v_i / D_i) nats, D = sum_i D_i. Minimising R + lambda D over the curve puts
/// the water level where the slope -dR/dD = 1/(2 theta) equals lambda: theta = 1/(2 lambda).
/// The same formulas give the R(D) of a Gaussian with any covariance when v_i are its
/// eigenvalues; under squared error that Gaussian is the hardest source of that covariance, so
/// its R(D) upper-bounds the R(D) of any source with the same covariance.
public struct GaussianRateDistortion: Sendable {
    /// Component variances (or covariance eigenvalues), all > 0.
    public let variances: [Double]

    /// The source with these component variances (all positive).
    public init(variances: [Double]) {
        precondition(variances.allSatisfy { $0 > 0 && $0.isFinite }, "variances must be positive and finite")
        self.variances = variances
    }

    /// One point of the curve.
    public typealias Point = RateDistortionPoint

    /// The curve at water level theta: D_i = min(theta, v_i), R = sum 1/2 ln(v_i / D_i).
    public func point(waterLevel theta: Double) -> (rateNats: Double, distortion: Double) {
        var r = 0.0, d = 0.0
        for v in variances {
            let di = Swift.min(theta, v)
            d += di
            r += 0.5 * Foundation.log(v / di)
        }
        return (r, d)
    }

    /// The optimum of rate + lambda * distortion: water level theta = 1/(2 lambda).
    public func optimum(lambda: Double) -> Point {
        precondition(lambda > 0 && lambda.isFinite, "lambda must be positive and finite")
        let p = point(waterLevel: 1 / (2 * lambda))
        return Point(lambda: lambda, rateNats: p.rateNats, distortion: p.distortion)
    }

    /// The optimum's allocation per component at lambda (water level theta = 1/(2 lambda)):
    /// component i gets distortion D_i = min(theta, v_i) and rate R_i = 1/2 ln(v_i / D_i) nats,
    /// so components with v_i <= theta get no rate at all. In the order of `variances`.
    public func allocation(lambda: Double) -> [(variance: Double, rateNats: Double, distortion: Double)] {
        precondition(lambda > 0 && lambda.isFinite, "lambda must be positive and finite")
        let theta = 1 / (2 * lambda)
        return variances.map { v in
            let d = Swift.min(theta, v)
            return (v, 0.5 * Foundation.log(v / d), d)
        }
    }

    /// R(D) for a total distortion target D in (0, sum v_i]: finds theta with sum min(theta, v_i) = D
    /// by bisection. Returns 0 for D >= sum v_i.
    public func rate(atDistortion target: Double) -> Double {
        let total = variances.reduce(0, +)
        if target >= total { return 0 }
        precondition(target > 0, "distortion target must be positive")
        var lo = 0.0, hi = variances.max()!
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if point(waterLevel: mid).distortion < target { lo = mid } else { hi = mid }
        }
        return point(waterLevel: 0.5 * (lo + hi)).rateNats
    }

    /// `count` points along the whole curve, from tiny distortion to zero rate (water levels
    /// spaced geometrically from min(v)/1000 to max(v)), for plotting.
    public func curve(count: Int = 200) -> [(rateNats: Double, distortion: Double)] {
        let lo = variances.min()! / 1000, hi = variances.max()!
        return (0..<count).map { i in
            let theta = lo * Foundation.pow(hi / lo, Double(i) / Double(count - 1))
            return point(waterLevel: theta)
        }
    }
}
