/// The index map of a 2-D convolution over NCHW images: output pixel (oh, ow) of a kernel tap
/// (i, j) reads input pixel (oh * stride - padding + i, ow * stride - padding + j), zero outside.
///
/// `im2col` lays those reads out as a matrix `cols [C * kh * kw, N * OH * OW]` (row = channel and
/// tap, column = image and output pixel), so that a convolution is one GEMM; `col2im` is its
/// adjoint (it adds every column entry back onto the pixel it was read from).
struct ConvGeometry {
    let batch: Int, channels: Int, height: Int, width: Int
    let kernelH: Int, kernelW: Int, stride: Int, padding: Int
    let outH: Int, outW: Int

    init(batch: Int, channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int, stride: Int, padding: Int) {
        self.batch = batch; self.channels = channels; self.height = height; self.width = width
        self.kernelH = kernelH; self.kernelW = kernelW; self.stride = stride; self.padding = padding
        outH = (height + 2 * padding - kernelH) / stride + 1
        outW = (width + 2 * padding - kernelW) / stride + 1
        require(stride >= 1 && padding >= 0 && outH >= 1 && outW >= 1,
                     "convolution: kernel \(kernelH)x\(kernelW), stride \(stride), padding \(padding) do not fit a \(height)x\(width) image")
    }

    var rows: Int { channels * kernelH * kernelW }
    var columns: Int { batch * outH * outW }

    /// cols[(c, i, j), (n, oh, ow)] = image[n, c, oh*s - p + i, ow*s - p + j] (0 outside).
    func im2col(_ image: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
        let kk = kernelH * kernelW, plane = height * width, outPlane = outH * outW
        let rowLength = batch * outPlane
        parallelRanges(rows, grain: 1) { lo, hi in
            for r in lo..<hi {
                let c = r / kk, i = (r % kk) / kernelW, j = r % kernelW
                for n in 0..<batch {
                    let src = image + (n * channels + c) * plane
                    var dst = cols + r * rowLength + n * outPlane
                    for oh in 0..<outH {
                        let ih = oh * stride - padding + i
                        if ih < 0 || ih >= height {
                            dst.update(repeating: 0, count: outW)
                        } else {
                            let line = src + ih * width
                            for ow in 0..<outW {
                                let iw = ow * stride - padding + j
                                dst[ow] = (iw >= 0 && iw < width) ? line[iw] : 0
                            }
                        }
                        dst += outW
                    }
                }
            }
        }
    }

    /// image[n, c, oh*s - p + i, ow*s - p + j] += cols[(c, i, j), (n, oh, ow)] (the adjoint of im2col).
    func col2im(_ cols: UnsafePointer<Float>, _ image: UnsafeMutablePointer<Float>) {
        let kk = kernelH * kernelW, plane = height * width, outPlane = outH * outW
        let rowLength = batch * outPlane
        parallelRanges(channels, grain: 1) { lo, hi in
            for c in lo..<hi {
                for t in 0..<kk {
                    let r = c * kk + t, i = t / kernelW, j = t % kernelW
                    for n in 0..<batch {
                        let dstPlane = image + (n * channels + c) * plane
                        var src = cols + r * rowLength + n * outPlane
                        for oh in 0..<outH {
                            let ih = oh * stride - padding + i
                            if ih >= 0 && ih < height {
                                let line = dstPlane + ih * width
                                for ow in 0..<outW {
                                    let iw = ow * stride - padding + j
                                    if iw >= 0 && iw < width { line[iw] += src[ow] }
                                }
                            }
                            src += outW
                        }
                    }
                }
            }
        }
    }
}

/// dst[b, a, p] = src[a, b, p] (or += with `accumulate`): swaps the two outer axes of [A, B, P].
func swapOuterAxes(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, a: Int, b: Int, p: Int, accumulate: Bool = false) {
    parallelRanges(a, grain: 1) { lo, hi in
        for ia in lo..<hi {
            for ib in 0..<b {
                let s = src + (ia * b + ib) * p, d = dst + (ib * a + ia) * p
                if accumulate { for q in 0..<p { d[q] += s[q] } } else { d.update(from: s, count: p) }
            }
        }
    }
}
