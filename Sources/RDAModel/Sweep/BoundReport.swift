import Foundation
import RDACore
import RDAIO

/// The best rate-distortion trade-off a sweep is measured against.
///
/// - `gaussian`: the exact Shannon R(D) of an independent Gaussian source (reverse water-filling
///   on its variances).
/// - `gaussian-covariance` (image data, L2 distortion): the R(D) of a Gaussian with the training
///   data's covariance (water-filling on its eigenvalues). Under squared error that Gaussian is
///   the hardest source of the covariance, so this upper-bounds the data's true R(D) and is what
///   the best *linear* RDA reaches; a nonlinear RDA should land below it.
/// There is no bound for L1 distortion.
public struct BoundReport {
    /// Which bound: the exact Gaussian R(D), or that of a Gaussian with the data's covariance.
    public let kind: String
    /// One line saying what the bound is.
    public let description: String
    /// The Gaussian rate-distortion function behind it (reverse water-filling).
    public let rd: GaussianRateDistortion

    /// The bound for a data source, or nil (L1 distortion). Image data is loaded to compute its
    /// covariance (`dataDir` as for training).
    public static func forSource(_ source: DataSource, distortion: DistortionKind, dataDir: String?) throws -> BoundReport? {
        guard distortion == .l2 else { return nil }
        if let g = source.gaussianBound {
            return BoundReport(kind: "gaussian", description: "Shannon R(D) of the Gaussian source (reverse water-filling)", rd: g)
        }
        let train = try source.load(split: .train, dataDir: dataDir)
        let rd = CovarianceBound.gaussianRD(ofCovarianceOf: UnsafePointer(train.examples.data), count: train.count, dimensions: train.dimensions)
        return BoundReport(kind: "gaussian-covariance",
                           description: "R(D) of a Gaussian with the training data's covariance (\(rd.variances.count) nonzero eigenvalues): an upper bound on the data's R(D), reached by the best linear RDA",
                           rd: rd)
    }

    /// The bound as stored in curve.json: a continuous curve plus the optima at `lambdas`.
    public func curveBound(lambdas: [Double]) -> CurveData.Bound {
        let curve = rd.variances.isEmpty ? [] : rd.curve(count: 200)
        let points = lambdas.map { rd.optimum(lambda: $0) }
        return CurveData.Bound(kind: kind, description: description,
                               curve: .init(rateNats: curve.map(\.rateNats), distortion: curve.map(\.distortion)),
                               atLambdas: .init(lambda: lambdas, rateNats: points.map(\.rateNats),
                                                distortion: points.map(\.distortion), objective: points.map(\.objective)))
    }
}
