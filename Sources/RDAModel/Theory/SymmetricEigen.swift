import Foundation

/// Eigenvalues of a real symmetric matrix, in Double.
///
/// Method: Householder reduction to tridiagonal form followed by the implicit symmetric QR
/// algorithm with Wilkinson shifts on the tridiagonal matrix.
///
/// 1. For k = 0, 1, ..., n-3 a Householder reflection H_k = I - beta v v^T zeroes column k below
///    the subdiagonal; the trailing block is updated as A <- H A H through the symmetric rank-2
///    update A -= v w^T + w v^T with p = beta A v, w = p - (beta/2)(v^T p) v. This costs about
///    2 n^3 flops in contiguous row-major loops (784 x 784 takes a fraction of a second in release).
/// 2. On the tridiagonal matrix (diagonal d, off-diagonal e), each QR step chases a bulge down the
///    unreduced block with Givens rotations, shifted by the eigenvalue of the trailing 2 x 2 block
///    closer to its last diagonal entry (Wilkinson's shift, which converges cubically in practice).
///    An off-diagonal entry is set to zero (deflated) once it is below machine epsilon times its
///    two diagonal neighbours or times the matrix norm. Eigenvalues only, so this is O(n^2).
///
/// Both steps are orthogonal similarity transforms, so the computed eigenvalues are those of a
/// matrix within a few machine epsilons times ||A|| of the input (absolute accuracy, not relative
/// accuracy for tiny eigenvalues).
public enum SymmetricEigen {
    /// The eigenvalues of the symmetric `n` x `n` matrix stored row-major in `matrix`, ascending.
    /// Only the lower triangle (including the diagonal) is read.
    public static func eigenvalues(of matrix: [Double], dimension n: Int) -> [Double] {
        precondition(n >= 0 && matrix.count == n * n, "SymmetricEigen: \(matrix.count) entries do not make a \(n) x \(n) matrix")
        if n == 0 { return [] }
        var a = matrix
        let (d, e) = a.withUnsafeMutableBufferPointer { tridiagonalize($0.baseAddress!, n) }
        return tridiagonalEigenvalues(diagonal: d, offDiagonal: e)
    }

    /// The eigenvalues of the symmetric tridiagonal matrix with `diagonal` (n entries) and
    /// `offDiagonal` (n - 1 entries), ascending.
    public static func tridiagonalEigenvalues(diagonal: [Double], offDiagonal: [Double]) -> [Double] {
        let n = diagonal.count
        precondition(offDiagonal.count == Swift.max(0, n - 1), "SymmetricEigen: a tridiagonal matrix of order \(n) has \(Swift.max(0, n - 1)) off-diagonal entries, got \(offDiagonal.count)")
        if n == 0 { return [] }
        var d = diagonal
        var e = offDiagonal + [0]
        implicitQR(&d, &e)
        return d.sorted()
    }

    // MARK: - Householder tridiagonalisation

    /// Reduces the symmetric matrix at `a` (row-major, n x n, destroyed) to tridiagonal form;
    /// returns its diagonal and its n - 1 off-diagonal entries.
    static func tridiagonalize(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> ([Double], [Double]) {
        // Mirror the lower triangle into the upper one so the updates can run on whole rows.
        for i in 0..<n {
            for j in 0..<i { a[j * n + i] = a[i * n + j] }
        }
        var diagonal = [Double](repeating: 0, count: n)
        var off = [Double](repeating: 0, count: Swift.max(0, n - 1))
        let v = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let w = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { v.deallocate(); w.deallocate() }

        for k in 0..<Swift.max(0, n - 2) {
            diagonal[k] = a[k * n + k]
            let start = k + 1            // the reflector acts on indices start..<n
            let m = n - start
            // x = column k below the diagonal (read from row k, the matrix being symmetric).
            let row = a + k * n + start
            var scale = 0.0
            for i in 0..<m { scale = Swift.max(scale, Swift.abs(row[i])) }
            if scale == 0 { off[k] = 0; continue }
            var sumSquares = 0.0
            for i in 0..<m {
                let x = row[i] / scale
                v[i] = x
                sumSquares += x * x
            }
            let x0 = v[0]
            let normX = Foundation.sqrt(sumSquares)
            let alpha = x0 > 0 ? -normX : normX          // H x = alpha e_1, sign chosen to avoid cancellation
            if sumSquares - x0 * x0 == 0 {
                // Already zero below the subdiagonal: nothing to reflect.
                off[k] = row[0]
                continue
            }
            v[0] = x0 - alpha
            // beta = 2 / (v^T v); v^T v = sumSquares - x0^2 + (x0 - alpha)^2 = 2 (normX^2 - alpha x0).
            let beta = 1 / (normX * normX - alpha * x0)
            off[k] = alpha * scale

            // p = beta * A22 v, then w = p - (beta/2)(v^T p) v.
            let block = a + start * n + start
            var vp = 0.0
            for i in 0..<m {
                let r = block + i * n
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                var j = 0
                while j + 4 <= m {
                    s0 += r[j] * v[j]; s1 += r[j + 1] * v[j + 1]
                    s2 += r[j + 2] * v[j + 2]; s3 += r[j + 3] * v[j + 3]
                    j += 4
                }
                while j < m { s0 += r[j] * v[j]; j += 1 }
                let p = beta * ((s0 + s1) + (s2 + s3))
                w[i] = p
                vp += v[i] * p
            }
            let half = 0.5 * beta * vp
            for i in 0..<m { w[i] -= half * v[i] }
            // A22 -= v w^T + w v^T (whole rows; stays exactly symmetric).
            for i in 0..<m {
                let r = block + i * n
                let vi = v[i], wi = w[i]
                for j in 0..<m { r[j] -= vi * w[j] + wi * v[j] }
            }
        }
        if n >= 2 {
            diagonal[n - 2] = a[(n - 2) * n + (n - 2)]
            off[n - 2] = a[(n - 1) * n + (n - 2)]
        }
        diagonal[n - 1] = a[(n - 1) * n + (n - 1)]
        return (diagonal, off)
    }

    // MARK: - Implicit symmetric QR on the tridiagonal matrix

    /// Replaces `d` by the eigenvalues (unsorted) of the tridiagonal matrix (d, e), where e[i]
    /// couples i and i + 1 and e[n - 1] is unused.
    static func implicitQR(_ d: inout [Double], _ e: inout [Double]) {
        let n = d.count
        if n < 2 { return }
        let eps = Double.ulpOfOne
        var norm = 0.0
        for i in 0..<n { norm = Swift.max(norm, Swift.abs(d[i]) + (i > 0 ? Swift.abs(e[i - 1]) : 0) + Swift.abs(e[i])) }
        if norm == 0 { return }
        let absoluteFloor = eps * norm
        func negligible(_ i: Int) -> Bool {
            let x = Swift.abs(e[i])
            return x <= eps * (Swift.abs(d[i]) + Swift.abs(d[i + 1])) || x <= absoluteFloor
        }

        var hi = n - 1
        var iterations = 0
        let maxIterations = 40 * n
        while hi > 0 {
            if negligible(hi - 1) { e[hi - 1] = 0; hi -= 1; continue }
            // The unreduced block is lo...hi.
            var lo = hi - 1
            while lo > 0 && !negligible(lo - 1) { lo -= 1 }
            if lo > 0 { e[lo - 1] = 0 }
            iterations += 1
            if iterations > maxIterations { break }   // not seen in practice; d holds the best estimates

            // Wilkinson shift: eigenvalue of the trailing 2 x 2 block closer to d[hi].
            let t = e[hi - 1]
            let delta = 0.5 * (d[hi - 1] - d[hi])
            let root = (delta * delta + t * t).squareRoot()
            let mu = d[hi] - t * t / (delta + (delta >= 0 ? root : -root))

            // Bulge chase: rotations on (k, k + 1) for k = lo..<hi.
            var x = d[lo] - mu
            var z = e[lo]
            for k in lo..<hi {
                let r = (x * x + z * z).squareRoot()
                let c: Double, s: Double
                if r == 0 { c = 1; s = 0 } else { c = x / r; s = z / r }
                if k > lo { e[k - 1] = r }
                let a = d[k], b = e[k], cc = d[k + 1]
                let cs2b = 2 * c * s * b
                d[k] = c * c * a + cs2b + s * s * cc
                d[k + 1] = s * s * a - cs2b + c * c * cc
                e[k] = c * s * (cc - a) + (c * c - s * s) * b
                if k + 1 < hi {
                    x = e[k]
                    z = s * e[k + 1]
                    e[k + 1] *= c
                }
            }
        }
    }
}
