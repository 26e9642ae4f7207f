import RDAKernels

extension Tensor {
    /// 2-D convolution (cross-correlation, as in PyTorch) of NCHW images, through im2col + GEMM.
    /// Shapes: x [N, C, H, W], weight [O, C, kh, kw], bias [O] -> [N, O, OH, OW] with
    /// OH = (H + 2 padding - kh) / stride + 1 (likewise OW).
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        require(x.rank == 4 && weight.rank == 4 && x.shape[1] == weight.shape[1],
                     "conv2d: input \(x.shape) does not fit weight \(weight.shape) (want [N, \(weight.rank == 4 ? weight.shape[1] : -1), H, W])")
        let geo = ConvGeometry(batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                               kernelH: weight.shape[2], kernelW: weight.shape[3], stride: stride, padding: padding)
        let o = weight.shape[0], p = geo.outH * geo.outW, np = geo.columns
        if let bias { require(bias.shape == [o], "conv2d: bias \(bias.shape) for weight \(weight.shape)") }
        let cols = Tensor(uninitialized: [geo.rows, np])
        geo.im2col(x.data, cols.data)
        let y2 = Tensor(uninitialized: [o, np])   // [O, N*P]
        GEMM.sgemm(transA: false, transB: false, m: o, n: np, k: geo.rows, alpha: 1,
                   a: weight.data, lda: geo.rows, b: cols.data, ldb: np, beta: 0, c: y2.data, ldc: np)
        let y = Tensor(uninitialized: [geo.batch, o, geo.outH, geo.outW])
        swapOuterAxes(y2.data, y.data, a: o, b: geo.batch, p: p)
        if let bias { addChannelBias(y.data, bias.data, batch: geo.batch, channels: o, plane: p) }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return y.recording(inputs) { out in
            let g2 = Tensor(uninitialized: [o, np])
            swapOuterAxes(out.grad!.data, g2.data, a: geo.batch, b: o, p: p)
            if weight.requiresGrad {   // dW[O, CKK] += g2 cols^T
                GEMM.sgemm(transA: false, transB: true, m: o, n: geo.rows, k: np, alpha: 1,
                           a: g2.data, lda: np, b: cols.data, ldb: np, beta: 1, c: weight.gradData, ldc: geo.rows)
            }
            if x.requiresGrad {        // dcols = W^T g2, then scattered back onto the image
                let dcols = Tensor(uninitialized: [geo.rows, np])
                GEMM.sgemm(transA: true, transB: false, m: geo.rows, n: np, k: o, alpha: 1,
                           a: weight.data, lda: geo.rows, b: g2.data, ldb: np, beta: 0, c: dcols.data, ldc: np)
                geo.col2im(dcols.data, x.gradData)
            }
            if let bias, bias.requiresGrad { sumRowsInto(bias.gradData, g2.data, rows: o, length: np) }
        }
    }

    /// Transposed 2-D convolution (the adjoint of `conv2d` in its input, as PyTorch's
    /// `conv_transpose2d`), through GEMM + col2im.
    /// Shapes: x [N, C, H, W], weight [C, O, kh, kw], bias [O] -> [N, O, OH, OW] with
    /// OH = (H - 1) stride - 2 padding + kh + outputPadding (likewise OW).
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) -> Tensor {
        require(x.rank == 4 && weight.rank == 4 && x.shape[1] == weight.shape[0],
                     "convTranspose2d: input \(x.shape) does not fit weight \(weight.shape) (want [N, \(weight.rank == 4 ? weight.shape[0] : -1), H, W])")
        require(outputPadding >= 0 && outputPadding < stride, "convTranspose2d: outputPadding \(outputPadding) must be in 0..<stride \(stride)")
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let o = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
        let oh = (h - 1) * stride - 2 * padding + kh + outputPadding
        let ow = (w - 1) * stride - 2 * padding + kw + outputPadding
        // The output image is the *input* of the matching forward convolution.
        let geo = ConvGeometry(batch: n, channels: o, height: oh, width: ow, kernelH: kh, kernelW: kw, stride: stride, padding: padding)
        require(geo.outH == h && geo.outW == w, "convTranspose2d: geometry mismatch for input \(x.shape)")
        if let bias { require(bias.shape == [o], "convTranspose2d: bias \(bias.shape) for weight \(weight.shape)") }
        let p = h * w, np = n * p
        let x2 = Tensor(uninitialized: [c, np])   // [C, N*P]
        swapOuterAxes(x.data, x2.data, a: n, b: c, p: p)
        let cols = Tensor(uninitialized: [geo.rows, np])   // [O*kh*kw, N*P] = W^T x2
        GEMM.sgemm(transA: true, transB: false, m: geo.rows, n: np, k: c, alpha: 1,
                   a: weight.data, lda: geo.rows, b: x2.data, ldb: np, beta: 0, c: cols.data, ldc: np)
        let y = Tensor(zeros: [n, o, oh, ow])
        geo.col2im(cols.data, y.data)
        if let bias { addChannelBias(y.data, bias.data, batch: n, channels: o, plane: oh * ow) }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return y.recording(inputs) { out in
            let g = out.grad!.data
            let gcols = Tensor(uninitialized: [geo.rows, np])
            geo.im2col(g, gcols.data)
            if x.requiresGrad {        // dx2[C, N*P] = W gcols
                let dx2 = Tensor(uninitialized: [c, np])
                GEMM.sgemm(transA: false, transB: false, m: c, n: np, k: geo.rows, alpha: 1,
                           a: weight.data, lda: geo.rows, b: gcols.data, ldb: np, beta: 0, c: dx2.data, ldc: np)
                swapOuterAxes(dx2.data, x.gradData, a: c, b: n, p: p, accumulate: true)
            }
            if weight.requiresGrad {   // dW[C, O*kh*kw] += x2 gcols^T
                GEMM.sgemm(transA: false, transB: true, m: c, n: geo.rows, k: np, alpha: 1,
                           a: x2.data, lda: np, b: gcols.data, ldb: np, beta: 1, c: weight.gradData, ldc: geo.rows)
            }
            if let bias, bias.requiresGrad {
                let gb = bias.gradData, plane = oh * ow
                for b in 0..<n { for ch in 0..<o {
                    let s = g + (b * o + ch) * plane
                    var acc: Float = 0
                    for q in 0..<plane { acc += s[q] }
                    gb[ch] += acc
                } }
            }
        }
    }
}

/// y[n, c, :] += bias[c] over a [N, C, P] buffer.
func addChannelBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int) {
    parallelRanges(batch, grain: 1) { lo, hi in
        for n in lo..<hi { for c in 0..<channels {
            let row = y + (n * channels + c) * plane, b = bias[c]
            for q in 0..<plane { row[q] += b }
        } }
    }
}

/// dst[r] += sum_j src[r, j] over a [rows, length] buffer.
func sumRowsInto(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, rows: Int, length: Int) {
    for r in 0..<rows {
        let s = src + r * length
        var acc: Float = 0
        for j in 0..<length { acc += s[j] }
        dst[r] += acc
    }
}
