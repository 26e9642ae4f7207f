/// The index map of a 2-D convolution: output pixel (oh, ow) of a kernel tap (i, j) reads input
/// pixel (oh * stride - padding + i, ow * stride - padding + j), zero outside.
///
/// The convolutions lay those reads out for a block of images as the matrix
///
///     colsT [images * OH * OW, kh * kw * C]    row = image and output pixel, column = tap (i, j) and channel c
///
/// so that a convolution is one GEMM against the weight reordered to [O, kh, kw, C]. `colsT` is
/// filled from a zero-padded channels-last (NHWC) copy of the block, where the kw taps of one
/// kernel row and all C channels are kw * C consecutive floats: `im2colT` is a series of long
/// copies and `col2imT`, its adjoint, a series of long additions (no per-pixel bounds checks).
struct ConvGeometry {
    let channels: Int, height: Int, width: Int
    let kernelH: Int, kernelW: Int, stride: Int, padding: Int
    let outH: Int, outW: Int

    init(channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int, stride: Int, padding: Int) {
        self.channels = channels; self.height = height; self.width = width
        self.kernelH = kernelH; self.kernelW = kernelW; self.stride = stride; self.padding = padding
        outH = (height + 2 * padding - kernelH) / stride + 1
        outW = (width + 2 * padding - kernelW) / stride + 1
        require(stride >= 1 && padding >= 0 && outH >= 1 && outW >= 1,
                     "convolution: kernel \(kernelH)x\(kernelW), stride \(stride), padding \(padding) do not fit a \(height)x\(width) image")
    }

    /// Columns of `colsT`: kh * kw * C.
    var rows: Int { channels * kernelH * kernelW }
    /// Output pixels per image: OH * OW.
    var outPlane: Int { outH * outW }
    /// Input pixels per image and channel: H * W.
    var plane: Int { height * width }
    /// Extent of the zero-padded input.
    var paddedH: Int { height + 2 * padding }
    var paddedW: Int { width + 2 * padding }
    /// Floats of one padded NHWC image.
    var paddedImage: Int { paddedH * paddedW * channels }

    /// padded[b, h + p, w + p, c] = image[b, c, h, w] for `images` NCHW images, zeros in the border.
    func toPaddedNHWC(_ image: UnsafePointer<Float>, images: Int, _ padded: UnsafeMutablePointer<Float>) {
        fillPadded(images: images, padded) { b, h, row in
            transposeInto(image + b * channels * plane + h * width, srcStride: plane, rows: channels, cols: width, row)
        }
    }

    /// padded[b, h + p, w + p, c] = nhwc[b, h, w, c] for `images` channels-last images (row
    /// copies: the same result as `toPaddedNHWC` of the NCHW images, without the transpose).
    func toPaddedNHWC(channelsLast nhwc: UnsafePointer<Float>, images: Int, _ padded: UnsafeMutablePointer<Float>) {
        let run = width * channels
        fillPadded(images: images, padded) { b, h, row in row.update(from: nhwc + (b * height + h) * run, count: run) }
    }

    /// Zeroes the border of `images` padded NHWC images and calls `fillRow(b, h, the W * C
    /// floats of image b's row h inside the border)`.
    @inline(__always)
    private func fillPadded(images: Int, _ padded: UnsafeMutablePointer<Float>,
                            _ fillRow: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        let c = channels, rowFloats = paddedW * c
        for b in 0..<images {
            let dst = padded + b * paddedImage
            if padding > 0 {
                dst.update(repeating: 0, count: padding * rowFloats)
                (dst + (padding + height) * rowFloats).update(repeating: 0, count: padding * rowFloats)
            }
            for h in 0..<height {
                let row = dst + (h + padding) * rowFloats
                if padding > 0 {
                    row.update(repeating: 0, count: padding * c)
                    (row + (padding + width) * c).update(repeating: 0, count: padding * c)
                }
                fillRow(b, h, row + padding * c)
            }
        }
    }

    /// image[b, c, h, w] = nhwc[b, h, w, c] = act(padded[b, h + p, w + p, c] + bias[c]): the
    /// epilogue of a transposed convolution that also keeps the channels-last values (for the
    /// next convolution; see `Tensor.channelsLast`). A nil `image` writes only those.
    func fromPaddedNHWC(_ padded: UnsafePointer<Float>, images: Int, _ image: UnsafeMutablePointer<Float>?,
                        channelsLast nhwc: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation) {
        let c = channels, rowFloats = paddedW * c, run = width * c
        for b in 0..<images {
            let src = padded + b * paddedImage, cl = nhwc + b * height * run, dst = image.map { $0 + b * c * plane }
            for h in 0..<height {
                let row = src + (h + padding) * rowFloats + padding * c, out = cl + h * run
                for w in 0..<width {
                    activation.apply(row + w * c, count: c, bias: bias, stride: 1, into: out + w * c)
                }
                if let dst { transposeInto(out, srcStride: c, rows: width, cols: c, dst + h * width, dstStride: plane) }
            }
        }
    }

    /// image[b, c, h, w] = act(padded[b, h + p, w + p, c] + bias[c]): `fromPaddedNHWC` with a
    /// per-channel bias and activation (the epilogue of a transposed convolution).
    func fromPaddedNHWC(_ padded: UnsafePointer<Float>, images: Int, _ image: UnsafeMutablePointer<Float>,
                        bias: UnsafePointer<Float>?, activation: Activation) {
        let c = channels, rowFloats = paddedW * c
        for b in 0..<images {
            let src = padded + b * paddedImage, dst = image + b * c * plane
            if c == 1 {   // rows copied, then the epilogue over the whole image (long vector runs)
                for h in 0..<height { (dst + h * width).update(from: src + (h + padding) * rowFloats + padding, count: width) }
                activation.apply(dst, count: plane, bias: bias, stride: 0)
                continue
            }
            for h in 0..<height {
                let row = src + (h + padding) * rowFloats + padding * c
                transposeInto(row, srcStride: c, rows: width, cols: c, dst + h * width, dstStride: plane,
                              bias: bias, activation: activation)
            }
        }
    }

    /// image[b, c, h, w] (+)= padded[b, h + p, w + p, c]: the adjoint of `toPaddedNHWC` (the
    /// border is dropped). Overwrites `image` unless `accumulate`.
    func fromPaddedNHWC(_ padded: UnsafePointer<Float>, images: Int, _ image: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let c = channels, rowFloats = paddedW * c
        for b in 0..<images {
            let src = padded + b * paddedImage, dst = image + b * c * plane
            for h in 0..<height {
                let row = src + (h + padding) * rowFloats + padding * c
                // row holds [width, c]; dst[ch, h, w] = row[w * c + ch]
                transposeInto(row, srcStride: c, rows: width, cols: c, dst + h * width, dstStride: plane, accumulate: accumulate)
            }
        }
    }

    /// colsT[(b, oh, ow), (i, j, c)] = padded[b, oh*s + i, ow*s + j, c] for `images` padded NHWC images.
    func im2colT(_ padded: UnsafePointer<Float>, images: Int, _ colsT: UnsafeMutablePointer<Float>) {
        forEachKernelRow(images: images) { image, cols, run in
            let s = padded + image, d = colsT + cols
            if run >= 32 { d.update(from: s, count: run) } else { for q in 0..<run { d[q] = s[q] } }
        }
    }

    /// padded[b, oh*s + i, ow*s + j, c] += colsT[(b, oh, ow), (i, j, c)]: the adjoint of `im2colT`.
    func col2imT(_ colsT: UnsafePointer<Float>, images: Int, _ padded: UnsafeMutablePointer<Float>) {
        forEachKernelRow(images: images) { image, cols, run in addInto(padded + image, colsT + cols, count: run) }
    }

    /// body(offset in the padded images, offset in colsT, run = kw * C) for kernel row i of every
    /// output pixel (b, oh, ow), in colsT order: the run at padded[b, oh*s + i, ow*s, 0] is
    /// colsT[(b, oh, ow), (i, 0, 0)...].
    @inline(__always)
    private func forEachKernelRow(images: Int, _ body: (Int, Int, Int) -> Void) {
        let run = kernelW * channels, rowFloats = paddedW * channels
        var cols = 0
        for b in 0..<images {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    let base = b * paddedImage + (oh * stride) * rowFloats + (ow * stride) * channels
                    for i in 0..<kernelH { body(base + i * rowFloats, cols + i * run, run) }
                    cols += rows
                }
            }
        }
    }
}

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
    let overlap = !accumulate
    let fullRows = rows / 8 * 8, fullCols = cols / 8 * 8
    // column edge: one overlapping tile when possible
    let colEdge = overlap && cols >= 8 && fullCols < cols
    var i = 0
    while i < fullRows {
        var j = 0
        while j < fullCols { tile(i, j); j += 8 }
        if colEdge { tile(i, cols - 8) } else { scalar(i, i + 8, fullCols, cols) }
        i += 8
    }
    if fullRows < rows {
        if overlap && rows >= 8 {
            var j = 0
            while j < fullCols { tile(rows - 8, j); j += 8 }
            if colEdge { tile(rows - 8, cols - 8) } else { scalar(fullRows, rows, fullCols, cols) }
        } else {
            scalar(fullRows, rows, 0, cols)
        }
    }
}

/// dst[j * dstStride + i] = act(src[i * srcStride + j] + bias[j]) for i < rows, j < cols: a
/// transpose with a per-destination-row bias and activation (the epilogue of a convolution whose
/// product came out channels-last). Tiles as `transposeInto`. Runs on the calling thread.
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
    let fullRows = rows / 8 * 8, fullCols = cols / 8 * 8
    let colEdge = cols >= 8 && fullCols < cols
    var i = 0
    while i < fullRows {
        var j = 0
        while j < fullCols { tile(i, j); j += 8 }
        if colEdge { tile(i, cols - 8) } else { scalar(i, i + 8, fullCols, cols) }
        i += 8
    }
    if fullRows < rows {
        if rows >= 8 {
            var j = 0
            while j < fullCols { tile(rows - 8, j); j += 8 }
            if colEdge { tile(rows - 8, cols - 8) } else { scalar(fullRows, rows, fullCols, cols) }
        } else {
            scalar(fullRows, rows, 0, cols)
        }
    }
}

/// In-register 8 x 8 transposes (LLVM turns the element-wise vector constructions into shuffles).
enum Tile8 {
    typealias V = SIMD8<Float>

    /// d[q * dstStride + r] = f(s[r * srcStride + q] + bias[q]) for r, q in 0..<8 (bias nil: none).
    @inline(__always)
    static func transpose<F: VectorFunction>(_ s: UnsafePointer<Float>, _ srcStride: Int, _ d: UnsafeMutablePointer<Float>,
                                             _ dstStride: Int, bias: UnsafePointer<Float>?, _ f: F) {
        let t = transposed(s, srcStride)
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

    /// The columns of the 8 x 8 block at `s` (row stride `srcStride`) as eight vectors.
    @inline(__always)
    static func transposed(_ s: UnsafePointer<Float>, _ srcStride: Int) -> (V, V, V, V, V, V, V, V) {
        let src = UnsafeRawPointer(s), ls = srcStride &* 4
        let r0 = src.loadUnaligned(as: V.self)
        let r1 = src.loadUnaligned(fromByteOffset: ls, as: V.self)
        let r2 = src.loadUnaligned(fromByteOffset: 2 &* ls, as: V.self)
        let r3 = src.loadUnaligned(fromByteOffset: 3 &* ls, as: V.self)
        let r4 = src.loadUnaligned(fromByteOffset: 4 &* ls, as: V.self)
        let r5 = src.loadUnaligned(fromByteOffset: 5 &* ls, as: V.self)
        let r6 = src.loadUnaligned(fromByteOffset: 6 &* ls, as: V.self)
        let r7 = src.loadUnaligned(fromByteOffset: 7 &* ls, as: V.self)
        let t0 = V(r0[0], r1[0], r0[1], r1[1], r0[4], r1[4], r0[5], r1[5])
        let t1 = V(r0[2], r1[2], r0[3], r1[3], r0[6], r1[6], r0[7], r1[7])
        let t2 = V(r2[0], r3[0], r2[1], r3[1], r2[4], r3[4], r2[5], r3[5])
        let t3 = V(r2[2], r3[2], r2[3], r3[3], r2[6], r3[6], r2[7], r3[7])
        let t4 = V(r4[0], r5[0], r4[1], r5[1], r4[4], r5[4], r4[5], r5[5])
        let t5 = V(r4[2], r5[2], r4[3], r5[3], r4[6], r5[6], r4[7], r5[7])
        let t6 = V(r6[0], r7[0], r6[1], r7[1], r6[4], r7[4], r6[5], r7[5])
        let t7 = V(r6[2], r7[2], r6[3], r7[3], r6[6], r7[6], r6[7], r7[7])
        let u0 = V(t0[0], t0[1], t2[0], t2[1], t0[4], t0[5], t2[4], t2[5])
        let u1 = V(t0[2], t0[3], t2[2], t2[3], t0[6], t0[7], t2[6], t2[7])
        let u2 = V(t1[0], t1[1], t3[0], t3[1], t1[4], t1[5], t3[4], t3[5])
        let u3 = V(t1[2], t1[3], t3[2], t3[3], t1[6], t1[7], t3[6], t3[7])
        let u4 = V(t4[0], t4[1], t6[0], t6[1], t4[4], t4[5], t6[4], t6[5])
        let u5 = V(t4[2], t4[3], t6[2], t6[3], t4[6], t4[7], t6[6], t6[7])
        let u6 = V(t5[0], t5[1], t7[0], t7[1], t5[4], t5[5], t7[4], t7[5])
        let u7 = V(t5[2], t5[3], t7[2], t7[3], t5[6], t5[7], t7[6], t7[7])
        return (V(lowHalf: u0.lowHalf, highHalf: u4.lowHalf), V(lowHalf: u1.lowHalf, highHalf: u5.lowHalf),
                V(lowHalf: u2.lowHalf, highHalf: u6.lowHalf), V(lowHalf: u3.lowHalf, highHalf: u7.lowHalf),
                V(lowHalf: u0.highHalf, highHalf: u4.highHalf), V(lowHalf: u1.highHalf, highHalf: u5.highHalf),
                V(lowHalf: u2.highHalf, highHalf: u6.highHalf), V(lowHalf: u3.highHalf, highHalf: u7.highHalf))
    }

    /// d[q * dstStride + r] (+)= s[r * srcStride + q] for r, q in 0..<8.
    @inline(__always)
    static func transpose(_ s: UnsafePointer<Float>, _ srcStride: Int, _ d: UnsafeMutablePointer<Float>, _ dstStride: Int, accumulate: Bool) {
        let t = transposed(s, srcStride)
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

/// dst[i] += src[i] for i < count.
@inline(__always)
func addInto(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { dst[i] += src[i] }
}

/// dst[b, a, p] = src[a, b, p]: swaps the two outer axes of [A, B, P]. Runs on the calling thread.
@inline(__always)
func swapOuterAxes(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, a: Int, b: Int, p: Int) {
    for ia in 0..<a {
        for ib in 0..<b {
            (dst + (ib * a + ia) * p).update(from: src + (ia * b + ib) * p, count: p)
        }
    }
}

/// Reorders a weight [A, B, kh, kw] to [A, kh, kw, B] (the column order of `colsT`).
func weightToTapsLast(_ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, a: Int, b: Int, taps: Int) {
    for ia in 0..<a {
        transposeInto(w + ia * b * taps, srcStride: taps, rows: b, cols: taps, out + ia * b * taps)
    }
}

/// w[A, B, kh, kw] (+)= t[A, kh, kw, B]: the inverse of `weightToTapsLast`.
func weightFromTapsLast(_ t: UnsafePointer<Float>, _ w: UnsafeMutablePointer<Float>, a: Int, b: Int, taps: Int, accumulate: Bool) {
    for ia in 0..<a {
        transposeInto(t + ia * b * taps, srcStride: b, rows: taps, cols: b, w + ia * b * taps, accumulate: accumulate)
    }
}
