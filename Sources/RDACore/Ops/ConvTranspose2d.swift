import RDAKernels

extension Tensor {
    /// Transposed 2-D convolution (the adjoint of `conv2d` in its input, as PyTorch's
    /// `conv_transpose2d`), optionally followed by `activation`.
    /// Shapes: x [N, C, H, W], weight [C, O, kh, kw], bias [O] -> [N, O, OH, OW] with
    /// OH = (H - 1) stride - 2 padding + kh + outputPadding (likewise OW).
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                                       outputPadding: Int = 0, activation: Activation = .identity) -> Tensor {
        Convolutions.convTranspose2d(.tensor(x), weight: weight, bias: bias, stride: stride, padding: padding,
                                     outputPadding: outputPadding, activation: activation).tensor
    }
}

extension Convolutions {
    /// `Tensor.convTranspose2d` of images given NCHW or channels-last (`LayerOutput.images`): the
    /// result channels-last too when the kernel produced it so (O a multiple of 16).
    static func convTranspose2d(_ input: LayerOutput, weight: Tensor, bias: Tensor?, stride: Int, padding: Int,
                                outputPadding: Int, activation: Activation) -> LayerOutput {
        let x = input.node
        require(x.rank == 4 && weight.rank == 4 && x.shape[1] == weight.shape[0],
                     "convTranspose2d: input \(x.shape) does not fit weight \(weight.shape) (want [N, \(weight.rank == 4 ? weight.shape[0] : -1), H, W])")
        require(outputPadding >= 0 && outputPadding < stride, "convTranspose2d: outputPadding \(outputPadding) must be in 0..<stride \(stride)")
        let batch = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let o = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
        let oh = (h - 1) * stride - 2 * padding + kh + outputPadding
        let ow = (w - 1) * stride - 2 * padding + kw + outputPadding
        // The output image is the *input* of the matching forward convolution.
        let geo = ConvGeometry(channels: o, height: oh, width: ow, kernelH: kh, kernelW: kw, stride: stride, padding: padding)
        require(geo.outH == h && geo.outW == w, "convTranspose2d: geometry mismatch for input \(x.shape)")
        if let bias { require(bias.shape == [o], "convTranspose2d: bias \(bias.shape) for weight \(weight.shape)") }
        let p = h * w, k = geo.rows, taps = kh * kw, inImage = c * p, outPlane = oh * ow, outImage = o * outPlane
        let y = Tensor(uninitialized: [batch, o, oh, ow])
        let nb = ConvBlocking.images(batch: batch, perImage: k * p)
        // The weight as [C, kh, kw, O], the column order of colsT.
        // (only for the GEMM paths: narrow kernel rows)
        let needsW2 = !ConvBlocking.useScatter(run: kw * o, columns: k) || !ConvBlocking.useDirect(run: kw * o, minimum: 4)
        let w2 = Tensor(uninitialized: [needsW2 ? c : 0, k])
        if needsW2 { weightToTapsLast(weight.data, w2.data, a: c, b: o, taps: taps) }
        let yd = y.data, bd = bias?.data

        // Every input pixel's taps added into the padded output (`DirectConv.scatter`) when the
        // kernel rows are wide enough; else colsT = x2^T W2 and col2imT.
        // 4x4 stride-2 kernels of 16k channels: the products in the Winograd domain, the weight
        // read as a convolution's [C outputs, O channels] (whose adjoint product this forward is)
        let winograd = ConvBlocking.useScatter(run: kw * o, columns: k) && WinogradConv.applies(geo: geo, outputs: c)
            ? WinogradConv(weight.data, outputs: c, channels: o, strideOut: o * taps, strideIn: taps, adjoint: true) : nil
        let scatterWeights = winograd == nil && ConvBlocking.useScatter(run: kw * o, columns: k)
            ? PackedConvWeights(scatter: weight.data, reduction: c, strideReduction: o * taps, channels: o,
                                strideInner: taps, kh: kh, kw: kw) : nil
        // The input channels-last, x^T [N*P, C], is also the other operand of the weight
        // gradient (DirectConv.weightGradient, C a multiple of 16): keep it for the backward pass.
        // (or the input's own channels-last copy, when the op that made it kept one)
        let xcl = input.channelsLast
        // (made here only on the scatter path, which transposes the input anyway)
        // (in the Winograd domain the input's tiles dM are kept instead)
        let keepXT = GradMode.isEnabled && weight.requiresGrad && c % 16 == 0 && ConvBlocking.useDirect(run: kw * o, minimum: 4)
            && winograd == nil
        let scatters = scatterWeights != nil || winograd != nil   // from x^T rows into padded NHWC images
        let savedXT: Tensor? = keepXT ? (xcl ?? (scatters ? Tensor(uninitialized: [batch * p, c]) : nil)) : nil
        // With O a multiple of 16, keep the output channels-last too (for the next convolution).
        let ycl: Tensor? = scatters && o % 16 == 0 ? Tensor(uninitialized: [batch, oh, ow, o]) : nil
        // The NCHW copy is made only when asked for (`ChannelsLastImages.nchw`): the backward
        // pass works channels-last.
        let deferNCHW = ycl != nil
        // The NCHW input is read only where its channels-last copy does not serve (and is then
        // made if pending): here, or in the backward pass for the weight gradient without `savedXT`.
        let xd = xcl != nil ? x.buffer.pointer : input.tensor.data
        if GradMode.isEnabled && weight.requiresGrad && savedXT == nil && winograd == nil { _ = input.tensor }


        /// Runs `body` with the block's input channels-last, x^T [count*P, C] (kept in `savedXT`).
        func withInputRows(_ n0: Int, _ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
            let scratch: Tensor? = savedXT == nil && xcl == nil ? Tensor(uninitialized: [count * p, c]) : nil
            let xT = (xcl ?? savedXT).map { $0.data + n0 * p * c } ?? scratch!.data
            if xcl == nil {
                for b in 0..<count {
                    transposeInto(xd + (n0 + b) * inImage, srcStride: p, rows: c, cols: p, xT + b * p * c, dstStride: c)
                }
            }
            body(xT)
            withExtendedLifetime(scratch) {}
        }
        /// The block's padded output into y (and its channels-last copy), with bias and activation.
        func finish(_ padded: Tensor, _ n0: Int, _ count: Int) {
            if let ycl {
                geo.fromPaddedNHWC(padded.data, images: count, deferNCHW ? nil : yd + n0 * outImage,
                                   channelsLast: ycl.data + n0 * outImage, bias: bd, activation: activation)
            } else {
                geo.fromPaddedNHWC(padded.data, images: count, yd + n0 * outImage, bias: bd, activation: activation)
            }
        }

        var tilesDM: Tensor?   // the Winograd tiles of the input, kept for the weight gradient
        if let winograd {   // the adjoint of a convolution's forward: dM tiles, the products, the padded output
            let tiles = WinogradConv.tilesPerImage(geo), t = batch * tiles
            let dm = Tensor(uninitialized: [WinogradConv.points * t * c]), dv = Tensor(uninitialized: [WinogradConv.points * t * 4 * o])
            if GradMode.isEnabled && weight.requiresGrad { tilesDM = dm }
            forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
                withInputRows(n0, count) {
                    WinogradConv.outputAdjoint($0, ldG: c, outputs: c, images: count, geo: geo, into: dm.data, tile0: n0 * tiles, t: t)
                }
            }
            WinogradConv.products(rows: dm.data, t: t, length: c, weights: winograd.adjoint, out: dv.data, ldOut: 4 * o)
            forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
                let padded = Tensor(zeros: [count * geo.paddedImage])
                WinogradConv.inputAdjoint(dv.data, tile0: n0 * tiles, t: t, images: count, geo: geo, into: padded.data)
                finish(padded, n0, count)
            }
        } else { forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
            let ld = count * p
            let padded = Tensor(zeros: [count * geo.paddedImage])
            if let scatterWeights {
                withInputRows(n0, count) { xT in
                    withScatterRows(xT, stride: c, padded.data, images: count, geo: geo) { src, dst in
                        DirectConv.scatter(src: src, dst: dst, pixels: ld, segmentLength: kw * o,
                                           segmentStride: geo.paddedW * o, weights: scatterWeights)
                    }
                }
            } else {
                var scratch: Tensor?
                let x2: UnsafePointer<Float>
                if let xcl {   // [count*P, C] -> [C, count*P], 8 channels at a time (8 long output rows)
                    let t = Tensor(uninitialized: [c, ld])
                    var j = 0
                    while j < c {
                        let w = Swift.min(8, c - j)
                        transposeInto(xcl.data + n0 * p * c + j, srcStride: c, rows: ld, cols: w, t.data + j * ld, dstStride: ld)
                        j += w
                    }
                    scratch = t
                    x2 = UnsafePointer(t.data)
                } else {
                    x2 = inputBlock(xd, n0, count, channels: c, plane: p, &scratch)
                }
                let colsT = Tensor(uninitialized: [ld, k])   // [count*P, K] = x2^T W2
                laneGEMM(transA: true, transB: false, m: ld, n: k, k: c, a: x2, lda: ld,
                         b: w2.data, ldb: k, beta: 0, c: colsT.data, ldc: k)
                geo.col2imT(colsT.data, images: count, padded.data)
                withExtendedLifetime(scratch) {}
            }
            finish(padded, n0, count)
        } }
        let plan = ConvTranspose2dPlan(geo: geo, batch: batch, inChannels: c, blockImages: nb, activation: activation,
                                       w2: w2, winograd: winograd, winogradTiles: tilesDM, savedXT: savedXT, outputChannelsLast: ycl)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        let out = y.recording(inputs) { out in convTranspose2dBackward(plan, out: out, x: x, weight: weight, bias: bias) }
        if ycl != nil { out.acceptChannelsLastGradient() }
        return ycl.map { .images(ChannelsLastImages(nchw: out, channelsLast: $0, deferred: deferNCHW)) } ?? .tensor(out)
    }
}

/// What the backward pass of `convTranspose2d` takes over from the forward pass.
struct ConvTranspose2dPlan {
    /// The index map of the matching forward convolution (C, H, W of the *output*).
    let geo: ConvGeometry
    /// Images N, input channels C, and images per block.
    let batch: Int, inChannels: Int, blockImages: Int
    /// The fused activation.
    let activation: Activation
    /// The weight as [C, kh, kw, O] for the GEMM paths (empty when none runs).
    let w2: Tensor
    /// The Winograd-domain weights when the products run there (`WinogradConv`).
    let winograd: WinogradConv?
    /// Its tiles of the input, dM [25, T, C] (`WinogradConv`), kept for the weight gradient.
    let winogradTiles: Tensor?
    /// The input channels-last [N * H * W, C], kept for the weight gradient (C a multiple of 16).
    let savedXT: Tensor?
    /// The output channels-last [N, OH, OW, O] when it was made so: the backward pass then
    /// works channels-last (`ChannelsLastGradient`).
    let outputChannelsLast: Tensor?
}

/// A block of `count` NCHW images from image n0 of x [N, C, P] as [C, count*P] (a view when
/// count == 1, else a new tensor kept alive by `scratch`).
func inputBlock(_ x: UnsafePointer<Float>, _ n0: Int, _ count: Int, channels c: Int, plane p: Int,
                _ scratch: inout Tensor?) -> UnsafePointer<Float> {
    if count == 1 { return x + n0 * c * p }
    let t = Tensor(uninitialized: [c, count * p])
    swapOuterAxes(x + n0 * c * p, t.data, a: count, b: c, p: p)
    scratch = t
    return UnsafePointer(t.data)
}
