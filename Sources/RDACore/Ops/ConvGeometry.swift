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
    /// next convolution; see `ChannelsLastImages`). A nil `image` writes only those.
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
