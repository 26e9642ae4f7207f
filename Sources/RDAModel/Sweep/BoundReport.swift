import RDAReport
import Foundation
import RDACore
import RDAIO

/// The best rate-distortion trade-off a sweep is measured against.
///
/// - `gaussian`: the exact Shannon R(D) of an independent Gaussian source under l2 (reverse
///   water-filling on its variances).
/// - `laplace`: the exact R(D) of an independent Laplace source under l1 (D_i = min(1/lambda, b_i),
///   R = sum ln(b_i / D_i); `LaplaceRateDistortion`).
/// - `gaussian-covariance` (image data, L2 distortion): the R(D) of a Gaussian with the training
///   data's covariance (water-filling on its eigenvalues). Under squared error that Gaussian is
///   the hardest source of the covariance, so this upper-bounds the data's true R(D) and is what
///   the best *linear* RDA reaches; a nonlinear RDA should land below it.
/// Other pairs (a Gaussian source under l1, a Laplace source under l2, image data under l1) have
/// no bound here: `select` says why.
public struct BoundReport {
    /// Which bound: the exact Gaussian R(D), or that of a Gaussian with the data's covariance.
    public let kind: String
    /// One line saying what the bound is.
    public let description: String
    /// The rate-distortion function behind it (Gaussian reverse water-filling, or Laplace).
    public let rd: any RateDistortionBound

    /// The bound for a data source under `distortion`, or nil with the reason there is none.
    /// Image data is loaded to compute its covariance (`dataDir` as for training).
    public static func select(_ source: DataSource, distortion: DistortionKind, dataDir: String?) throws -> (report: BoundReport?, reason: String?) {
        switch source.exactBound(distortion: distortion) {
        case .exact(let rd as GaussianRateDistortion):
            return (BoundReport(kind: rd.kind, description: "Shannon R(D) of the Gaussian source (reverse water-filling)", rd: rd), nil)
        case .exact(let rd):
            return (BoundReport(kind: rd.kind, description: "exact R(D) of the \(rd.kind) source under \(rd.distortionKind.rawValue) distortion", rd: rd), nil)
        case .unavailable(let reason):
            guard case .idx = source, distortion == .l2 else { return (nil, reason) }
        }
        let train = try source.load(split: .train, dataDir: dataDir)
        let rd = CovarianceBound.gaussianRD(ofCovarianceOf: UnsafePointer(train.examples.data), count: train.count, dimensions: train.dimensions)
        return (BoundReport(kind: "gaussian-covariance",
                            description: "R(D) of a Gaussian with the training data's covariance (\(rd.variances.count) nonzero eigenvalues): an upper bound on the data's R(D), reached by the best linear RDA",
                            rd: rd), nil)
    }

    /// The bound for a data source, or nil (see `select`).
    public static func forSource(_ source: DataSource, distortion: DistortionKind, dataDir: String?) throws -> BoundReport? {
        try select(source, distortion: distortion, dataDir: dataDir).report
    }

    /// The bound as stored in curve.json: a continuous curve plus the optima at `lambdas`.
    public func curveBound(lambdas: [Double]) -> CurveData.Bound {
        let curve = rd.componentCount == 0 ? [] : rd.curve(count: 200)
        let points = lambdas.map { rd.optimum(lambda: $0) }
        return CurveData.Bound(kind: kind, description: description,
                               curve: .init(rateNats: curve.map(\.rateNats), distortion: curve.map(\.distortion)),
                               atLambdas: .init(lambda: lambdas, rateNats: points.map(\.rateNats),
                                                distortion: points.map(\.distortion), objective: points.map(\.objective)))
    }
}
