import Foundation

/// The optimum of rate + lambda * distortion on an exact rate-distortion curve.
public struct RateDistortionPoint: Sendable, Codable, Equatable {
    /// The distortion weight lambda (> 0): the curve's slope there is -lambda.
    public let lambda: Double
    /// R, in nats.
    public let rateNats: Double
    /// D, summed over components, in the distortion's units.
    public let distortion: Double
    /// R + lambda D, in nats (`Objective.value`).
    public var objective: Double { Objective.value(rate: rateNats, distortion: distortion, lambda: lambda) }
    /// R in bits (R / ln 2).
    public var rateBits: Double { rateNats / M_LN2 }
}

/// A rate-distortion function known in closed form, for the distortion it is stated under:
/// `GaussianRateDistortion` (squared error, reverse water-filling) and `LaplaceRateDistortion`
/// (absolute error). Rates in nats, distortions summed over components.
public protocol RateDistortionBound: Sendable {
    /// Short name: "gaussian" or "laplace".
    var kind: String { get }
    /// The distortion measure the curve is for.
    var distortionKind: DistortionKind { get }
    /// Components of the source (0: nothing to code, an empty curve).
    var componentCount: Int { get }
    /// The optimum of rate + lambda * distortion (lambda > 0).
    func optimum(lambda: Double) -> RateDistortionPoint
    /// R(D) at a total distortion D > 0 (0 beyond the zero-rate distortion).
    func rate(atDistortion target: Double) -> Double
    /// `count` points along the curve, for plotting.
    func curve(count: Int) -> [(rateNats: Double, distortion: Double)]
}

extension GaussianRateDistortion: RateDistortionBound {
    public var kind: String { "gaussian" }
    public var distortionKind: DistortionKind { .l2 }
    public var componentCount: Int { variances.count }
}

extension LaplaceRateDistortion: RateDistortionBound {
    public var kind: String { "laplace" }
    public var distortionKind: DistortionKind { .l1 }
    public var componentCount: Int { scales.count }
}

/// Which exact bound applies to a source and a distortion, or why none does.
public enum BoundChoice: Sendable {
    /// The source's R(D) under this distortion is known in closed form.
    case exact(any RateDistortionBound)
    /// No closed form applies; `reason` says why, in one line.
    case unavailable(reason: String)

    /// The bound, when one applies.
    public var bound: (any RateDistortionBound)? {
        if case .exact(let b) = self { return b }
        return nil
    }

    /// Why no bound applies, when none does.
    public var reason: String? {
        if case .unavailable(let r) = self { return r }
        return nil
    }
}

extension DataSource {
    /// The exact rate-distortion function of this source under `distortion`: the Gaussian R(D)
    /// for `gaussian:` under l2, the Laplace R(D) for `laplace:` under l1. Every other pair has
    /// none known in closed form, and the reason says so (image data: `BoundReport` computes the
    /// Gaussian-covariance upper bound from the training set under l2).
    public func exactBound(distortion: DistortionKind) -> BoundChoice {
        switch (self, distortion) {
        case (.gaussian(let v), .l2):
            return .exact(GaussianRateDistortion(variances: v))
        case (.laplace(let b), .l1):
            return .exact(LaplaceRateDistortion(scales: b))
        case (.gaussian, .l1):
            return .unavailable(reason: "no exact bound: a Gaussian source's R(D) is known in closed form under l2 (squared error), not l1; train with l2 distortion to compare with it")
        case (.laplace, .l2):
            return .unavailable(reason: "no exact bound: a Laplace source's R(D) is known in closed form under l1 (absolute error), not l2; train with l1 distortion to compare with it")
        case (.images, _):
            return .unavailable(reason: "no exact bound for crops of a folder of images")
        case (.idx, .l2):
            return .unavailable(reason: "no exact bound for image data; rda bound and rda sweep give the Gaussian-covariance upper bound under l2")
        case (_, .discretizedLogistic):
            return .unavailable(reason: "no bound for the discretized logistic (a likelihood of 8-bit pixels, not a distortion with a known R(D))")
        case (.idx, .l1):
            return .unavailable(reason: "no bound for image data under l1 (the Gaussian-covariance bound is for l2)")
        }
    }
}
