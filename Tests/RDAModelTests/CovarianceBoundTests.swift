import Testing
import Foundation
import RDACore
import RDAModel

@Suite("Symmetric eigenvalues and the covariance bound")
struct CovarianceBoundTests {
    /// A random orthogonal n x n matrix (row-major): Gram-Schmidt, twice, on Gaussian columns.
    static func randomOrthogonal(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        var q = [[Double]]()
        while q.count < n {
            var v = (0..<n).map { _ in Double(rng.nextNormal()) }
            for _ in 0..<2 {
                for u in q {
                    let dot = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<n { v[i] -= dot * u[i] }
                }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1e-6 { q.append(v.map { $0 / norm }) }
        }
        // Columns of the result are the vectors q[k].
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for k in 0..<n { m[i * n + k] = q[k][i] } }
        return m
    }

    /// Q diag(spectrum) Q^T, row-major.
    static func rotated(_ spectrum: [Double], seed: UInt64) -> [Double] {
        let n = spectrum.count
        let q = randomOrthogonal(n, seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for k in 0..<n { s += q[i * n + k] * spectrum[k] * q[j * n + k] }
                a[i * n + j] = s
                a[j * n + i] = s
            }
        }
        return a
    }

    func expectClose(_ got: [Double], _ want: [Double], tolerance: Double,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.count == want.count, "\(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
        for (g, w) in zip(got, want) {
            #expect(Swift.abs(g - w) <= tolerance, "\(g) vs \(w)", sourceLocation: sourceLocation)
        }
    }

    @Test func diagonalMatrix() {
        let diag = [3.0, -1, 0, 7.5, 2, 2]
        let n = diag.count
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = diag[i] }
        expectClose(SymmetricEigen.eigenvalues(of: a, dimension: n), diag.sorted(), tolerance: 1e-14)
        #expect(SymmetricEigen.eigenvalues(of: [], dimension: 0).isEmpty)
        #expect(SymmetricEigen.eigenvalues(of: [4.25], dimension: 1) == [4.25])
    }

    @Test(arguments: [(2.0, 1.0, 3.0), (1.0, 0.0, 1.0), (0.0, 5.0, 0.0), (-4.0, 1e-3, 10.0), (1e6, 2.0, 1e-6)])
    func twoByTwoClosedForm(_ entries: (Double, Double, Double)) {
        let (a, b, c) = entries
        let mid = (a + c) / 2, radius = (((a - c) / 2) * ((a - c) / 2) + b * b).squareRoot()
        let got = SymmetricEigen.eigenvalues(of: [a, b, b, c], dimension: 2)
        let scale = Swift.max(1, Swift.abs(a) + Swift.abs(b) + Swift.abs(c))
        expectClose(got, [mid - radius, mid + radius], tolerance: 1e-13 * scale)
    }

    @Test func onlyTheLowerTriangleIsRead() {
        // Garbage above the diagonal must not matter.
        let a = [2.0, 99, 1, 2]
        expectClose(SymmetricEigen.eigenvalues(of: a, dimension: 2), [1, 3], tolerance: 1e-14)
    }

    @Test func rotatedKnownSpectrum() {
        var rng = SeededGenerator(seed: 11)
        let spectrum = (0..<60).map { _ in 10 * rng.nextDouble() - 3 }
        let a = Self.rotated(spectrum, seed: 5)
        expectClose(SymmetricEigen.eigenvalues(of: a, dimension: 60), spectrum.sorted(), tolerance: 1e-11)
    }

    @Test func repeatedAndZeroEigenvalues() {
        let spectrum = [0.0, 0, 0, 1, 1, 1, 2, 2, 5, 1e-8]
        let a = Self.rotated(spectrum, seed: 9)
        expectClose(SymmetricEigen.eigenvalues(of: a, dimension: spectrum.count), spectrum.sorted(), tolerance: 1e-12)
    }

    @Test func tridiagonalLaplacian() {
        // tridiag(-1, 2, -1) of order n has eigenvalues 2 - 2 cos(k pi / (n + 1)).
        let n = 40
        let want = (1...n).map { 2 - 2 * Foundation.cos(Double($0) * Double.pi / Double(n + 1)) }.sorted()
        let got = SymmetricEigen.tridiagonalEigenvalues(diagonal: Array(repeating: 2, count: n),
                                                        offDiagonal: Array(repeating: -1, count: n - 1))
        expectClose(got, want, tolerance: 1e-13)
        // The same matrix through the dense path.
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = 2; if i > 0 { a[i * n + i - 1] = -1; a[(i - 1) * n + i] = -1 } }
        expectClose(SymmetricEigen.eigenvalues(of: a, dimension: n), want, tolerance: 1e-13)
    }

    @Test func sumIsTraceAndSquaresSumToFrobenius() {
        let n = 150
        var rng = SeededGenerator(seed: 3)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0...i { let v = rng.nextDouble() * 2 - 1; a[i * n + j] = v; a[j * n + i] = v } }
        let values = SymmetricEigen.eigenvalues(of: a, dimension: n)
        let trace = (0..<n).reduce(0.0) { $0 + a[$1 * n + $1] }
        let frobenius = a.reduce(0) { $0 + $1 * $1 }
        #expect(Swift.abs(values.reduce(0, +) - trace) < 1e-10)
        #expect(Swift.abs(values.reduce(0) { $0 + $1 * $1 } - frobenius) < 1e-9 * frobenius)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "ascending")
    }

    @Test func covarianceUsesOneOverN() {
        // Rows (1, 2) and (3, 6): mean (2, 4), deviations (-1, -2) and (1, 2).
        let c = CovarianceBound.covariance(of: [1, 2, 3, 6], count: 2, dimensions: 2)
        expectClose(c, [1, 2, 2, 4], tolerance: 1e-12)
        expectClose(CovarianceBound.eigenvalues(ofCovarianceOf: [1, 2, 3, 6], count: 2, dimensions: 2), [0, 5], tolerance: 1e-12)
    }

    /// `n` rows of Q diag(sqrt(variances)) z + offset, z standard normal, followed by
    /// `constantColumns` columns that always hold 0.7 (like MNIST's blank border pixels).
    static func sample(variances: [Double], rows n: Int, seed: UInt64, offset: Float = 0,
                       constantColumns: Int = 0) -> [Float] {
        let k = variances.count, d = k + constantColumns
        let q = randomOrthogonal(k, seed: seed &+ 1)
        var rng = SeededGenerator(seed: seed)
        var out = [Float](repeating: 0.7, count: n * d)
        var z = [Double](repeating: 0, count: k)
        for r in 0..<n {
            for j in 0..<k { z[j] = Double(rng.nextNormal()) * variances[j].squareRoot() }
            for i in 0..<k {
                var s = 0.0
                for j in 0..<k { s += q[i * k + j] * z[j] }
                out[r * d + i] = Float(s) + offset
            }
        }
        return out
    }

    @Test func covarianceEigenvaluesOfSampledData() {
        // A direction of zero variance inside the rotated block, and one constant column.
        let variances = [4.0, 2, 1, 0.5, 0.25, 0.1, 0]
        let n = 20_000   // more than one 256-row block, not a multiple of it
        let rows = Self.sample(variances: variances, rows: n, seed: 21, offset: 3, constantColumns: 1)
        let values = CovarianceBound.eigenvalues(ofCovarianceOf: rows, count: n, dimensions: variances.count + 1)
        for (got, want) in zip(values, (variances + [0]).sorted()) {
            // Sampling error of a variance estimate is about sqrt(2 / n) = 1%; the single-precision
            // products leave about 1e-7 x the largest variance where the true value is 0.
            #expect(Swift.abs(got - want) <= 0.05 * want + 1e-6, "\(got) vs \(want)")
        }
        #expect(values.prefix(2).contains { Swift.abs($0) < 1e-12 }, "a constant column gives an exact 0: \(values.prefix(2))")
    }

    @Test func boundOfSampledDataMatchesTheTrueVariances() {
        let variances = [3.0, 1.5, 0.8, 0.3]
        let n = 12_000
        let rows = Self.sample(variances: variances, rows: n, seed: 33, constantColumns: 2)
        let bound = CovarianceBound.gaussianRD(ofCovarianceOf: rows, count: n, dimensions: variances.count + 2)
        let truth = GaussianRateDistortion(variances: variances)
        #expect(bound.variances.count == 4, "the constant pixels are dropped: \(bound.variances)")
        for lambda in [0.3, 1.0, 4.0] {
            let b = bound.optimum(lambda: lambda), t = truth.optimum(lambda: lambda)
            #expect(Swift.abs(b.distortion - t.distortion) <= 0.05 * t.distortion, "D \(b.distortion) vs \(t.distortion) at lambda \(lambda)")
            #expect(Swift.abs(b.rateNats - t.rateNats) <= 0.05 * t.rateNats + 0.02, "R \(b.rateNats) vs \(t.rateNats) at lambda \(lambda)")
        }
    }

    /// Opt-in timing at MNIST size (RDA_COVARIANCE_TIMING=1): 60000 x 784 covariance, then the
    /// 784 x 784 eigenvalues.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RDA_COVARIANCE_TIMING"] != nil))
    func mnistSizedTiming() {
        let n = 60_000, d = 784
        var rng = SeededGenerator(seed: 1)
        let rows = (0..<(n * d)).map { i in i % d < 100 ? Float(0) : rng.nextFloat() * Float(i % 7) / 7 }
        let clock = ContinuousClock()
        var covariance: [Double] = []
        let tCov = clock.measure { covariance = CovarianceBound.covariance(of: rows, count: n, dimensions: d) }
        var values: [Double] = []
        let tEig = clock.measure { values = SymmetricEigen.eigenvalues(of: covariance, dimension: d) }
        let trace = (0..<d).reduce(0.0) { $0 + covariance[$1 * d + $1] }
        print("covariance 60000x784: \(tCov), eigenvalues 784: \(tEig), trace \(trace) vs sum \(values.reduce(0, +)), min \(values.first!), max \(values.last!)")
        #expect(Swift.abs(values.reduce(0, +) - trace) < 1e-9 * trace)
    }

    /// Opt-in check on the real MNIST training images (RDA_COVARIANCE_MNIST=1): prints the time,
    /// the total variance (sum over pixels) and how many eigenvalues survive the cutoff.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RDA_COVARIANCE_MNIST"] != nil))
    func mnistBound() throws {
        let data = try DataSource.idx("mnist").load(split: .train, dataDir: nil)
        let clock = ContinuousClock()
        var values: [Double] = []
        let t = clock.measure {
            values = CovarianceBound.eigenvalues(ofCovarianceOf: UnsafePointer(data.examples.data),
                                                 count: data.count, dimensions: data.dimensions)
        }
        let bound = CovarianceBound.gaussianRD(eigenvalues: values)
        let total = values.reduce(0, +)
        print("MNIST \(data.count)x\(data.dimensions): \(t); total variance \(total); \(bound.variances.count) eigenvalues kept, largest \(values.last!), smallest kept \(bound.variances.first!)")
        for lambda in [1.0, 10, 100] {
            let p = bound.optimum(lambda: lambda)
            print("  lambda \(lambda): R \(p.rateNats) nats, D \(p.distortion)")
        }
        #expect(Swift.abs(bound.point(waterLevel: 1e9).distortion - total) < 1e-6 * total)
    }

    @Test func zeroVarianceComponentsAreDropped() {
        let bound = CovarianceBound.gaussianRD(eigenvalues: [-1e-17, 0, 1e-12, 2, 0.5])
        #expect(bound.variances == [0.5, 2])
        let constant = CovarianceBound.gaussianRD(eigenvalues: [0, 0, 0])
        #expect(constant.variances.isEmpty)
        #expect(constant.optimum(lambda: 1).rateNats == 0 && constant.optimum(lambda: 1).distortion == 0)
        // Total distortion is summed over dimensions: at a high water level D = sum of variances.
        #expect(Swift.abs(bound.point(waterLevel: 10).distortion - 2.5) < 1e-12)
    }
}
