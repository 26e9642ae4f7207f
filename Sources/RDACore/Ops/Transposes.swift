// Transposes of float matrices with strides: every layout change of the convolutions (NCHW <->
// channels-last, weight reorders), through the in-register 8 x 8 transpose of RDAKernels.

import RDAKernels

/// dst[j * dstStride + i] (+)= src[i * srcStride + j] for i < rows, j < cols (dstStride defaults
/// to rows: a dense [cols, rows] result). 8 x 8 tiles go through SIMD registers; when
/// overwriting, the ragged edges of a matrix at least 8 wide (tall) are covered by one more tile
/// that overlaps the previous one (its values are written twice, identically); the rest is
/// scalar. Runs on the calling thread.
@inline(__always)
func transposeInto(_ src: UnsafePointer<Float>, srcStride: Int, rows: Int, cols: Int,
                   _ dst: UnsafeMutablePointer<Float>, dstStride: Int? = nil, accumulate: Bool = false) {
    let ds = dstStride ?? rows
    if (rows == 1 && ds == 1) || (cols == 1 && srcStride == 1) {   // a contiguous vector either way
        let n = rows * cols
        if accumulate { addInto(dst, src, count: n) } else { dst.update(from: src, count: n) }
        return
    }
    @inline(__always) func tile(_ i: Int, _ j: Int) {
        Tile8.transpose(src + i * srcStride + j, srcStride, dst + j * ds + i, ds, accumulate: accumulate)
    }
    @inline(__always) func scalar(_ i0: Int, _ i1: Int, _ j0: Int, _ j1: Int) {
        for ii in i0..<i1 {
            let s = src + ii * srcStride
            if accumulate { for jj in j0..<j1 { dst[jj * ds + ii] += s[jj] } } else { for jj in j0..<j1 { dst[jj * ds + ii] = s[jj] } }
        }
    }
    forEachTile(rows: rows, cols: cols, overlap: !accumulate, tile: tile, scalar: scalar)
}

/// Covers the rows x cols matrix with 8 x 8 tiles, `tile(i, j)` at row i and column j, and what
/// tiles leave with `scalar(i0, i1, j0, j1)` (rows i0..<i1, columns j0..<j1). With `overlap`, a
/// ragged right (bottom) edge of a matrix at least 8 wide (tall) is one more tile that overlaps
/// the previous one: its values are produced twice, which only a pure store may do.
@inline(__always)
func forEachTile(rows: Int, cols: Int, overlap: Bool,
                 tile: (_ i: Int, _ j: Int) -> Void, scalar: (_ i0: Int, _ i1: Int, _ j0: Int, _ j1: Int) -> Void) {
    let fullRows = rows / 8 * 8, fullCols = cols / 8 * 8
    let colEdge = overlap && cols >= 8 && fullCols < cols
    var i = 0
    while i < fullRows {
        var j = 0
        while j < fullCols { tile(i, j); j += 8 }
        if colEdge { tile(i, cols - 8) } else { scalar(i, i + 8, fullCols, cols) }
        i += 8
    }
    guard fullRows < rows else { return }
    if overlap && rows >= 8 {
        var j = 0
        while j < fullCols { tile(rows - 8, j); j += 8 }
        if colEdge { tile(rows - 8, cols - 8) } else { scalar(fullRows, rows, fullCols, cols) }
    } else {
        scalar(fullRows, rows, 0, cols)
    }
}

/// dst[j * dstStride + i] = act(src[i * srcStride + j] + bias[j]) for i < rows, j < cols: a
/// transpose with a per-destination-row bias and activation (the epilogue of a convolution whose
/// product came out channels-last). Tiles as `transposeInto`, overlapping at the edges. Runs on
/// the calling thread.
func transposeInto(_ src: UnsafePointer<Float>, srcStride: Int, rows: Int, cols: Int,
                   _ dst: UnsafeMutablePointer<Float>, dstStride: Int, bias: UnsafePointer<Float>?, activation: Activation) {
    if activation == .identity && bias == nil {
        transposeInto(src, srcStride: srcStride, rows: rows, cols: cols, dst, dstStride: dstStride)
        return
    }
    if cols == 1 && srcStride == 1 {   // one destination row, read contiguously
        dst.update(from: src, count: rows)
        activation.apply(dst, count: rows, bias: bias, stride: 0)
        return
    }
    switch activation {
    case .identity: transposeInto(src, srcStride, rows, cols, dst, dstStride, bias, Elementwise.IdentityV())
    case .relu: transposeInto(src, srcStride, rows, cols, dst, dstStride, bias, Elementwise.ReLUV())
    case .sigmoid: transposeInto(src, srcStride, rows, cols, dst, dstStride, bias, Elementwise.SigmoidV())
    }
}

/// The body of `transposeInto(_:srcStride:rows:cols:_:dstStride:bias:activation:)`, specialized
/// per activation.
func transposeInto<F: VectorFunction>(_ src: UnsafePointer<Float>, _ srcStride: Int, _ rows: Int, _ cols: Int,
                                      _ dst: UnsafeMutablePointer<Float>, _ ds: Int, _ bias: UnsafePointer<Float>?, _ f: F) {
    @inline(__always) func tile(_ i: Int, _ j: Int) {
        Tile8.transpose(src + i * srcStride + j, srcStride, dst + j * ds + i, ds, bias: bias.map { $0 + j }, f)
    }
    @inline(__always) func scalar(_ i0: Int, _ i1: Int, _ j0: Int, _ j1: Int) {
        for jj in j0..<j1 {
            let d = dst + jj * ds, b = bias?[jj] ?? 0
            var ii = i0
            while ii < i1 {   // eight at a time through f, the tail through a padded vector
                var v = SIMD8<Float>()
                let n = Swift.min(8, i1 - ii)
                for l in 0..<n { v[l] = src[(ii + l) * srcStride + jj] + b }
                let r = f(v)
                for l in 0..<n { d[ii + l] = r[l] }
                ii += 8
            }
        }
    }
    forEachTile(rows: rows, cols: cols, overlap: true, tile: tile, scalar: scalar)
}

/// dst[i] += src[i] for i < count.
@inline(__always)
func addInto(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { dst[i] += src[i] }
}


/// Stores of an 8 x 8 block transposed in registers (`Transpose.columns` of RDAKernels), plain,
/// accumulating, or through a bias and an activation.
enum Tile8 {
    typealias V = SIMD8<Float>

    /// d[q * dstStride + r] = f(s[r * srcStride + q] + bias[q]) for r, q in 0..<8 (bias nil: none).
    @inline(__always)
    static func transpose<F: VectorFunction>(_ s: UnsafePointer<Float>, _ srcStride: Int, _ d: UnsafeMutablePointer<Float>,
                                             _ dstStride: Int, bias: UnsafePointer<Float>?, _ f: F) {
        let t = Transpose.columns(s, ld: srcStride)
        let dst = UnsafeMutableRawPointer(d), ld = dstStride &* 4
        if let bias {
            dst.storeBytes(of: f(t.0 + V(repeating: bias[0])), as: V.self)
            dst.storeBytes(of: f(t.1 + V(repeating: bias[1])), toByteOffset: ld, as: V.self)
            dst.storeBytes(of: f(t.2 + V(repeating: bias[2])), toByteOffset: 2 &* ld, as: V.self)
            dst.storeBytes(of: f(t.3 + V(repeating: bias[3])), toByteOffset: 3 &* ld, as: V.self)
            dst.storeBytes(of: f(t.4 + V(repeating: bias[4])), toByteOffset: 4 &* ld, as: V.self)
            dst.storeBytes(of: f(t.5 + V(repeating: bias[5])), toByteOffset: 5 &* ld, as: V.self)
            dst.storeBytes(of: f(t.6 + V(repeating: bias[6])), toByteOffset: 6 &* ld, as: V.self)
            dst.storeBytes(of: f(t.7 + V(repeating: bias[7])), toByteOffset: 7 &* ld, as: V.self)
        } else {
            dst.storeBytes(of: f(t.0), as: V.self)
            dst.storeBytes(of: f(t.1), toByteOffset: ld, as: V.self)
            dst.storeBytes(of: f(t.2), toByteOffset: 2 &* ld, as: V.self)
            dst.storeBytes(of: f(t.3), toByteOffset: 3 &* ld, as: V.self)
            dst.storeBytes(of: f(t.4), toByteOffset: 4 &* ld, as: V.self)
            dst.storeBytes(of: f(t.5), toByteOffset: 5 &* ld, as: V.self)
            dst.storeBytes(of: f(t.6), toByteOffset: 6 &* ld, as: V.self)
            dst.storeBytes(of: f(t.7), toByteOffset: 7 &* ld, as: V.self)
        }
    }

    /// d[q * dstStride + r] (+)= s[r * srcStride + q] for r, q in 0..<8.
    @inline(__always)
    static func transpose(_ s: UnsafePointer<Float>, _ srcStride: Int, _ d: UnsafeMutablePointer<Float>, _ dstStride: Int, accumulate: Bool) {
        let t = Transpose.columns(s, ld: srcStride)
        let dst = UnsafeMutableRawPointer(d), ld = dstStride &* 4
        @inline(__always) func put(_ q: Int, _ v: V) {
            if accumulate {
                dst.storeBytes(of: dst.loadUnaligned(fromByteOffset: q &* ld, as: V.self) + v, toByteOffset: q &* ld, as: V.self)
            } else {
                dst.storeBytes(of: v, toByteOffset: q &* ld, as: V.self)
            }
        }
        put(0, t.0); put(1, t.1); put(2, t.2); put(3, t.3)
        put(4, t.4); put(5, t.5); put(6, t.6); put(7, t.7)
    }
}
