import Foundation
import RDACore

/// The Gaussian rate-distortion bound of a data set under squared error, from its covariance.
///
/// Under squared-error distortion the Gaussian with the data's covariance is the hardest source
/// with that covariance: among all sources with covariance C it has the largest R(D). So the R(D)
/// of N(mean, C), found by reverse water-filling over the eigenvalues of C
/// (`GaussianRateDistortion`), upper-bounds the R(D) of the data. It is also exactly what the
/// best *linear* rate-distortion autoencoder reaches (a linear encoder with Gaussian noise
/// cannot exploit anything beyond second-order statistics), so a nonlinear RDA should land on or
/// below it.
///
/// Units: water-filling over the D eigenvalues of the covariance gives a total distortion summed
/// over all D dimensions, D = sum_i min(theta, lambda_i): the same units as rda's per-example L2
/// distortion (the sum over pixels of the squared error, not a per-pixel mean). Components with
/// zero variance (e.g. MNIST's always-black border pixels) are reproduced exactly at no cost:
/// they contribute no rate and no distortion, so eigenvalues <= `relativeCutoff` x the largest
/// are dropped before water-filling.
public enum CovarianceBound {
    /// Rows per block of the covariance accumulation: each block's X^T X is a float GEMM over at
    /// most this many centred rows, then added into the Double accumulator.
    static let blockRows = 256

    /// The d x d covariance (1/n normalisation, row-major) of the `n` rows of `d` values at `rows`.
    ///
    /// The mean is accumulated in Double; the centred rows go through a single-precision GEMM in
    /// blocks of 256 rows whose partial sums of products are added in Double, so rounding error
    /// does not grow with n.
    public static func covariance(of rows: UnsafePointer<Float>, count n: Int, dimensions d: Int) -> [Double] {
        precondition(n > 0 && d > 0, "CovarianceBound: need at least one row and one dimension, got \(n) x \(d)")
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n {
            let row = rows + r * d
            for j in 0..<d { mean[j] += Double(row[j]) }
        }
        for j in 0..<d { mean[j] /= Double(n) }
        let meanF = mean.map { Float($0) }

        var sums = [Double](repeating: 0, count: d * d)
        let block = Tensor(zeros: [blockRows, d])
        var start = 0
        while start < n {
            let m = Swift.min(blockRows, n - start)
            let x = block.data
            for r in 0..<m {
                let src = rows + (start + r) * d
                let dst = x + r * d
                for j in 0..<d { dst[j] = src[j] - meanF[j] }
            }
            if m < blockRows {   // zero rows add nothing to X^T X
                (x + m * d).update(repeating: 0, count: (blockRows - m) * d)
            }
            let product = Tensor.matmul(block, block, transposeA: true)   // [d, d]
            let p = product.data
            sums.withUnsafeMutableBufferPointer { s in
                for i in 0..<(d * d) { s[i] += Double(p[i]) }
            }
            start += m
        }
        // Correct for the rounding of the mean to Float: sum (x - m_f)(x - m_f)^T
        // = sum (x - m)(x - m)^T + n (m - m_f)(m - m_f)^T.
        let inverseN = 1 / Double(n)
        for i in 0..<d {
            let di = mean[i] - Double(meanF[i])
            for j in 0..<d {
                let dj = mean[j] - Double(meanF[j])
                sums[i * d + j] = sums[i * d + j] * inverseN - di * dj
            }
        }
        // Exactly symmetric.
        for i in 0..<d {
            for j in 0..<i {
                let s = 0.5 * (sums[i * d + j] + sums[j * d + i])
                sums[i * d + j] = s
                sums[j * d + i] = s
            }
        }
        return sums
    }

    /// As `covariance(of:count:dimensions:)` for rows stored in an array (`rows.count == n * d`).
    public static func covariance(of rows: [Float], count n: Int, dimensions d: Int) -> [Double] {
        precondition(rows.count == n * d, "CovarianceBound: \(rows.count) values are not \(n) rows of \(d)")
        return rows.withUnsafeBufferPointer { covariance(of: $0.baseAddress!, count: n, dimensions: d) }
    }

    /// The eigenvalues (ascending) of the covariance of the `n` rows of `d` values at `rows`.
    public static func eigenvalues(ofCovarianceOf rows: UnsafePointer<Float>, count n: Int, dimensions d: Int) -> [Double] {
        SymmetricEigen.eigenvalues(of: covariance(of: rows, count: n, dimensions: d), dimension: d)
    }

    /// The eigenvalues (ascending) of the covariance of `rows` (`rows.count == n * d`).
    public static func eigenvalues(ofCovarianceOf rows: [Float], count n: Int, dimensions d: Int) -> [Double] {
        SymmetricEigen.eigenvalues(of: covariance(of: rows, count: n, dimensions: d), dimension: d)
    }

    /// The eigenvalues kept for water-filling: those > `relativeCutoff` x the largest, ascending.
    /// Empty when all are zero (constant data).
    public static func significantEigenvalues(_ eigenvalues: [Double], relativeCutoff: Double = 1e-10) -> [Double] {
        let largest = eigenvalues.max() ?? 0
        guard largest > 0 && largest.isFinite else { return [] }
        return eigenvalues.filter { $0 > relativeCutoff * largest }.sorted()
    }

    /// The Gaussian R(D) over the given covariance eigenvalues, dropping those <= `relativeCutoff`
    /// x the largest (zero-variance directions cost no rate and add no distortion). For constant
    /// data no eigenvalue remains: the result has no variances, and `optimum(lambda:)` is 0 rate
    /// at 0 distortion.
    public static func gaussianRD(eigenvalues: [Double], relativeCutoff: Double = 1e-10) -> GaussianRateDistortion {
        GaussianRateDistortion(variances: significantEigenvalues(eigenvalues, relativeCutoff: relativeCutoff))
    }

    /// The Gaussian R(D) bound of the `n` rows of `d` values at `rows` (see the type's documentation).
    public static func gaussianRD(ofCovarianceOf rows: UnsafePointer<Float>, count n: Int, dimensions d: Int,
                                  relativeCutoff: Double = 1e-10) -> GaussianRateDistortion {
        gaussianRD(eigenvalues: eigenvalues(ofCovarianceOf: rows, count: n, dimensions: d), relativeCutoff: relativeCutoff)
    }

    /// The Gaussian R(D) bound of `rows` (`rows.count == n * d`; see the type's documentation).
    public static func gaussianRD(ofCovarianceOf rows: [Float], count n: Int, dimensions d: Int,
                                  relativeCutoff: Double = 1e-10) -> GaussianRateDistortion {
        gaussianRD(eigenvalues: eigenvalues(ofCovarianceOf: rows, count: n, dimensions: d), relativeCutoff: relativeCutoff)
    }
}
