import RDAKernels

extension Tensor {
    /// 2-D convolution (cross-correlation, as in PyTorch) of NCHW images, optionally followed by
    /// `activation` in the same op.
    /// Shapes: x [N, C, H, W], weight [O, C, kh, kw], bias [O] -> [N, O, OH, OW] with
    /// OH = (H + 2 padding - kh) / stride + 1 (likewise OW).
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                              activation: Activation = .identity) -> Tensor {
        Convolutions.conv2d(.tensor(x), weight: weight, bias: bias, stride: stride, padding: padding, activation: activation).tensor
    }
}

/// The convolutions on images in either layout (see `ChannelsLastImages`): what the public ops
/// `Tensor.conv2d` and `Tensor.convTranspose2d` and the layers `Conv2d` and `ConvTranspose2d` run.
enum Convolutions {
    /// `Tensor.conv2d` of images given NCHW or channels-last (`LayerOutput.images`): the result
    /// channels-last too when the kernel produced it so (O a multiple of 16).
    static func conv2d(_ input: LayerOutput, weight: Tensor, bias: Tensor?, stride: Int, padding: Int,
                       activation: Activation) -> LayerOutput {
        let x = input.node
        require(x.rank == 4 && weight.rank == 4 && x.shape[1] == weight.shape[1],
                     "conv2d: input \(x.shape) does not fit weight \(weight.shape) (want [N, \(weight.rank == 4 ? weight.shape[1] : -1), H, W])")
        let batch = x.shape[0], c = x.shape[1]
        let geo = ConvGeometry(channels: c, height: x.shape[2], width: x.shape[3],
                               kernelH: weight.shape[2], kernelW: weight.shape[3], stride: stride, padding: padding)
        let o = weight.shape[0], p = geo.outPlane, k = geo.rows, kh = geo.kernelH, kw = geo.kernelW, taps = kh * kw
        let inImage = c * geo.plane, outImage = o * p
        if let bias { require(bias.shape == [o], "conv2d: bias \(bias.shape) for weight \(weight.shape)") }
        let y = Tensor(uninitialized: [batch, o, geo.outH, geo.outW])
        let nb = ConvBlocking.images(batch: batch, perImage: k * p)
        // Measured: the in-place kernel wins even for one input channel (kernel rows of 4 floats).
        let direct = ConvBlocking.useDirect(run: kw * c, minimum: 4)
        // The weight as [O, kh, kw, C] (the column order of colsT), and packed for DirectConv.
        // (the reordered weight only for the GEMM paths: a forward with narrow kernel rows, an
        // input gradient that cannot scatter)
        let needsW2 = !direct || (x.requiresGrad && !ConvBlocking.useScatter(run: kw * c, columns: k))
        let w2 = Tensor(uninitialized: [needsW2 ? o : 0, k])
        if needsW2 { weightToTapsLast(weight.data, w2.data, a: o, b: c, taps: taps) }
        // 4x4 stride-2 kernels of 16k channels: the products in the Winograd domain (the
        // adjoint weights too when the input gradient will be asked for)
        let winograd = direct && WinogradConv.applies(geo: geo, outputs: o)
            ? WinogradConv(weight.data, outputs: o, channels: c, strideOut: c * taps, strideIn: taps,
                           adjoint: GradMode.isEnabled && x.requiresGrad) : nil
        let packed = direct && winograd == nil ? PackedConvWeights(weight.data, columns: o, channels: c, kh: kh, kw: kw,
                                                                   strideOut: c * taps, strideIn: taps) : nil
        // The backward pass reads the padded input again (weight gradient): keep it.
        let training = GradMode.isEnabled && (weight.requiresGrad || x.requiresGrad || (bias?.requiresGrad ?? false))
        // (in the Winograd domain its input tiles V are kept instead)
        let saved: Tensor? = training && weight.requiresGrad && winograd == nil ? Tensor(uninitialized: [batch * geo.paddedImage]) : nil
        // The input channels-last, when the convolution that made it kept them
        // (`ChannelsLastImages`); its NCHW values are then not read (and not made, if pending).
        let xcl = input.channelsLast?.data
        let xd = xcl != nil ? x.buffer.pointer : input.tensor.data, yd = y.data, bd = bias?.data
        // With O a multiple of 16 the product comes out as the output channels-last: keep it.
        // The NCHW copy is made only when asked for (`ChannelsLastImages.nchw`): the backward
        // pass then works channels-last (when its input gradient, if any, is scattered).
        let ycl: Tensor? = direct && o % 16 == 0 ? Tensor(uninitialized: [batch, geo.outH, geo.outW, o]) : nil
        let channelsLastBackward = !x.requiresGrad || ConvBlocking.useScatter(run: kw * c, columns: k)
        let deferNCHW = ycl != nil && (!GradMode.isEnabled || channelsLastBackward)

        /// Runs `body` with the block's images padded NHWC (kept in `saved` for the backward pass).
        func withPadded(_ n0: Int, _ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
            let scratch: Tensor? = saved == nil ? Tensor(uninitialized: [count * geo.paddedImage]) : nil
            let padded = saved.map { $0.data + n0 * geo.paddedImage } ?? scratch!.data
            if let xcl {
                geo.toPaddedNHWC(channelsLast: xcl + n0 * geo.plane * c, images: count, padded)
            } else {
                geo.toPaddedNHWC(xd + n0 * inImage, images: count, padded)
            }
            body(padded)
            withExtendedLifetime(scratch) {}
        }
        var tilesV: Tensor?   // the Winograd input tiles, kept for the weight gradient
        if let winograd, let ycl {   // the input tiles of every block, the products, the output tiles
            let tiles = WinogradConv.tilesPerImage(geo), t = batch * tiles
            let v = Tensor(uninitialized: [WinogradConv.points * t * 4 * c]), mm = Tensor(uninitialized: [WinogradConv.points * t * o])
            if training && weight.requiresGrad { tilesV = v }
            forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
                withPadded(n0, count) { WinogradConv.inputTransform($0, images: count, geo: geo, into: v.data, tile0: n0 * tiles, t: t) }
            }
            WinogradConv.products(rows: v.data, t: t, length: 4 * c, weights: winograd.forward, out: mm.data, ldOut: o)
            forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
                let outT = ycl.data + n0 * p * o
                WinogradConv.outputTransform(mm.data, tile0: n0 * tiles, t: t, outputs: o, images: count, geo: geo, out: outT,
                                             ldOut: o, bias: bd, activation: activation)
                if !deferNCHW {
                    for b in 0..<count {
                        transposeInto(outT + b * p * o, srcStride: o, rows: p, cols: o, yd + (n0 + b) * outImage, dstStride: p)
                    }
                }
            }
        } else { forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in withPadded(n0, count) { padded in
            let ld = count * p
            let yb = yd + n0 * outImage
            if let packed {   // y^T [count*P, O] read straight from the padded images
                let width = packed.groups * 16
                let scratchT: Tensor? = ycl == nil ? Tensor(uninitialized: [ld, width]) : nil
                let outT = ycl.map { $0.data + n0 * p * o } ?? scratchT!.data
                // channels-last output (O = width): bias and activation as the kernel stores it
                withRowPointers(padded, images: count, geo: geo) { rows in
                    DirectConv.run(rows: rows, pixels: ld, segments: kh, segmentLength: kw * c,
                                   segmentStride: geo.paddedW * c, weights: packed, out: outT, ldOut: width,
                                   bias: ycl != nil ? bd : nil, activation: ycl != nil ? activation : .identity)
                }
                if ycl != nil {   // then [P, O] -> [O, P] (maybe later)
                    if !deferNCHW {
                        for b in 0..<count {
                            transposeInto(outT + b * p * o, srcStride: o, rows: p, cols: o, yb + b * outImage, dstStride: p)
                        }
                    }
                } else {
                    for b in 0..<count {   // [P, O] -> [O, P] with bias and activation
                        transposeInto(outT + b * p * width, srcStride: width, rows: p, cols: o, yb + b * outImage, dstStride: p,
                                      bias: bd, activation: activation)
                    }
                }
            } else {          // y [O, count*P] = W2 colsT^T, then into [count, O, P]
                let colsT = Tensor(uninitialized: [ld, k])
                geo.im2colT(padded, images: count, colsT.data)
                let t = Tensor(uninitialized: [o, ld])
                laneGEMM(transA: false, transB: true, m: o, n: ld, k: k, a: w2.data, lda: k,
                         b: colsT.data, ldb: k, beta: 0, c: t.data, ldc: ld)
                for b in 0..<count {
                    for ch in 0..<o {
                        let dst = yb + b * outImage + ch * p
                        dst.update(from: t.data + (ch * count + b) * p, count: p)
                        activation.apply(dst, count: p, bias: bd.map { $0 + ch }, stride: 0)
                    }
                }
            }
        } } }
        let plan = Conv2dPlan(geo: geo, batch: batch, blockImages: nb, activation: activation, w2: w2, packed: packed,
                              winograd: winograd, winogradTiles: tilesV, saved: saved,
                              outputChannelsLast: channelsLastBackward ? ycl : nil)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        let out = y.recording(inputs) { out in conv2dBackward(plan, out: out, x: x, weight: weight, bias: bias) }
        if ycl != nil && channelsLastBackward { out.acceptChannelsLastGradient() }
        return ycl.map { .images(ChannelsLastImages(nchw: out, channelsLast: $0, deferred: deferNCHW)) } ?? .tensor(out)
    }
}

/// What the backward pass of `conv2d` takes over from the forward pass.
struct Conv2dPlan {
    /// The index map, with C, H, W of the input.
    let geo: ConvGeometry
    /// Images N, and images per block.
    let batch: Int, blockImages: Int
    /// The fused activation.
    let activation: Activation
    /// The weight as [O, kh, kw, C] for the GEMM paths (empty when none runs).
    let w2: Tensor
    /// The forward's packed weights: set when the forward (and so the weight gradient) reads kernel rows in place.
    let packed: PackedConvWeights?
    /// The Winograd-domain weights when the products run there (`WinogradConv`).
    let winograd: WinogradConv?
    /// Its input tiles V [25, T, 4C] (`WinogradConv`), kept for the weight gradient.
    let winogradTiles: Tensor?
    /// The padded NHWC input blocks [N * paddedImage], kept for the weight gradient.
    let saved: Tensor?
    /// The output channels-last [N, OH, OW, O] when it was made so: the backward pass then
    /// works channels-last (`ChannelsLastGradient`).
    let outputChannelsLast: Tensor?
}
