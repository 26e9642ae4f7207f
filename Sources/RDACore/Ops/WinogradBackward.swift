import RDAKernels

// The backward passes of `conv2d` and `convTranspose2d` when their products ran in the Winograd
// domain (`WinogradConv`, chosen by the forward pass): the per-block work of the direct passes
// (the activation's derivative, the bias sums, the layouts) with the transforms in place of the
// products, and the 25 products over the whole batch between the block loops. The weight
// gradient is one sum over all the batch's tiles per point (no per-lane partial sums).

/// What both Winograd backward passes read and write: the output's gradient and values
/// (channels-last when the forward kept its output so), the input's gradient sink (channels-last
/// when its producer takes it so), and the per-lane bias sums.
struct BackwardGradients {
    let channelsLast: Tensor?, g: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>
    let bias: Bool, biasSums: LaneSums
    let xChannelsLast: GradientSink?, xSink: GradientSink?

    init(out: Tensor, outputChannelsLast ycl: Tensor?, x: Tensor, bias b: Tensor?, lanes: Int, biasLength: Int) {
        channelsLast = ycl != nil ? out.channelsLastGradientValues() : nil
        g = channelsLast?.data ?? out.grad!.data
        output = UnsafePointer(ycl?.data ?? out.data)
        bias = b?.requiresGrad ?? false
        biasSums = LaneSums(wanted: bias, lanes: lanes, length: biasLength)
        xChannelsLast = x.requiresGrad ? x.channelsLastGradientSink() : nil
        xSink = x.requiresGrad ? (xChannelsLast ?? x.gradientSink()) : nil
    }
}

extension Convolutions {
    /// `conv2dBackward` for a convolution whose forward ran in the Winograd domain: the input
    /// gradient through the adjoint products, the weight gradient from the forward's input tiles.
    static func conv2dBackwardWinograd(_ plan: Conv2dPlan, out: Tensor, x: Tensor, weight: Tensor, bias: Tensor?) {
        let geo = plan.geo, batch = plan.batch, nb = plan.blockImages, activation = plan.activation, winograd = plan.winograd!
        let c = geo.channels, o = weight.shape[0], p = geo.outPlane, inImage = c * geo.plane, outImage = o * p
        let grads = BackwardGradients(out: out, outputChannelsLast: plan.outputChannelsLast, x: x, bias: bias,
                                      lanes: lanesFor(count: batch, blockSize: nb), biasLength: o)
        let gcl = grads.channelsLast, g = grads.g, yOut = grads.output, bSums = grads.biasSums
        let wantW = weight.requiresGrad, wantB = grads.bias, xCL = grads.xChannelsLast, xSink = grads.xSink
        let tiles = WinogradConv.tilesPerImage(geo), t = batch * tiles, points = WinogradConv.points
        let dm = Tensor(uninitialized: [points * t * o])
        forEachBlock(count: batch, blockSize: nb) { lane, n0, count, first in
            let gb = g + n0 * outImage
            activation.multiplyByDerivativeSerial(gb, output: yOut + n0 * outImage, count: count * outImage)
            if wantB { channelSums(gb, images: count, channels: o, plane: p, into: bSums.slot(lane), first: first, channelsLast: gcl != nil) }
            // the block's gradient channels-last, g^T [count*P, O] (the gradient itself when it came so)
            let gT = Tensor(uninitialized: [gcl == nil ? count * p : 0, o])
            if gcl == nil {
                for b in 0..<count {
                    transposeInto(gb + b * outImage, srcStride: p, rows: o, cols: p, gT.data + b * p * o, dstStride: o)
                }
            }
            WinogradConv.outputAdjoint(gcl == nil ? gT.data : gb, ldG: o, outputs: o, images: count, geo: geo,
                                       into: dm.data, tile0: n0 * tiles, t: t)
        }
        if let xSink {   // dV = dM U^T, then every tile's B dV B^T added into the padded images
            let dv = Tensor(uninitialized: [points * t * 4 * c])
            WinogradConv.products(rows: dm.data, t: t, length: o, weights: winograd.adjoint, out: dv.data, ldOut: 4 * c)
            forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
                let padded = Tensor(zeros: [count * geo.paddedImage])
                WinogradConv.inputAdjoint(dv.data, tile0: n0 * tiles, t: t, images: count, geo: geo, into: padded.data)
                if xCL != nil {
                    geo.fromPaddedNHWC(padded.data, images: count, channelsLast: xSink.pointer + n0 * inImage, accumulate: xSink.accumulate)
                } else {
                    geo.fromPaddedNHWC(padded.data, images: count, xSink.pointer + n0 * inImage, accumulate: xSink.accumulate)
                }
            }
        }
        if wantW {   // dW^T [K, O] from the forward's input tiles (kept whenever the weight gradient is recorded)
            let v = plan.winogradTiles!, sum = Tensor(uninitialized: [geo.rows * o]), sink = weight.gradientSink()
            WinogradConv.weightGradient(v: v.data, dm: dm.data, t: t, channels: c, outputs: o, out: sum.data, ldOut: o)
            scatterWeightGradient(sum.data, ld: o, kh: 4, kw: 4, inner: c, outer: o, sink.pointer,
                                  strideOuter: c * 16, strideInner: 16, accumulate: sink.accumulate)
        }
        if let bias, wantB { bSums.reduce(into: bias.gradientSink()) }
    }

    /// `convTranspose2dBackward` for a transposed convolution whose forward ran in the Winograd
    /// domain: the output gradient, padded, is the input of the matching convolution, whose
    /// forward products give the input gradient and whose weight gradient (against the forward's
    /// tiles of the input, dM) the weight's.
    static func convTranspose2dBackwardWinograd(_ plan: ConvTranspose2dPlan, out: Tensor, x: Tensor, weight: Tensor, bias: Tensor?) {
        let geo = plan.geo, batch = plan.batch, nb = plan.blockImages, activation = plan.activation, winograd = plan.winograd!
        let c = plan.inChannels, o = geo.channels, p = geo.outH * geo.outW, inImage = c * p, outImage = o * geo.plane
        let grads = BackwardGradients(out: out, outputChannelsLast: plan.outputChannelsLast, x: x, bias: bias,
                                      lanes: lanesFor(count: batch, blockSize: nb), biasLength: o)
        let gcl = grads.channelsLast, g = grads.g, yOut = grads.output, bSums = grads.biasSums
        let wantW = weight.requiresGrad, wantB = grads.bias, xCL = grads.xChannelsLast, xSink = grads.xSink
        let tiles = WinogradConv.tilesPerImage(geo), t = batch * tiles, points = WinogradConv.points
        let v = Tensor(uninitialized: [points * t * 4 * o])
        forEachBlock(count: batch, blockSize: nb) { lane, n0, count, first in
            let gb = g + n0 * outImage
            activation.multiplyByDerivativeSerial(gb, output: yOut + n0 * outImage, count: count * outImage)
            if wantB { channelSums(gb, images: count, channels: o, plane: geo.plane, into: bSums.slot(lane), first: first, channelsLast: gcl != nil) }
            guard wantW || xSink != nil else { return }
            let padded = Tensor(uninitialized: [count * geo.paddedImage])
            if gcl != nil {
                geo.toPaddedNHWC(channelsLast: gb, images: count, padded.data)
            } else {
                geo.toPaddedNHWC(gb, images: count, padded.data)
            }
            WinogradConv.inputTransform(padded.data, images: count, geo: geo, into: v.data, tile0: n0 * tiles, t: t)
        }
        if let xSink {   // dx^T [N*P, C] = the matching convolution's forward of the padded gradient
            let mm = Tensor(uninitialized: [points * t * c])
            WinogradConv.products(rows: v.data, t: t, length: 4 * o, weights: winograd.forward, out: mm.data, ldOut: c)
            forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
                let inPlace = xCL != nil && !xSink.accumulate   // straight into x's channels-last gradient
                let outT = Tensor(uninitialized: [inPlace ? 0 : count * p, c])
                let dst = inPlace ? xSink.pointer + n0 * inImage : outT.data
                WinogradConv.outputTransform(mm.data, tile0: n0 * tiles, t: t, outputs: c, images: count, geo: geo, out: dst,
                                             ldOut: c, bias: nil)
                if xCL != nil {
                    if !inPlace { addInto(xSink.pointer + n0 * inImage, outT.data, count: count * p * c) }
                } else {
                    for b in 0..<count {
                        transposeInto(outT.data + b * p * c, srcStride: c, rows: p, cols: c,
                                      xSink.pointer + (n0 + b) * inImage, dstStride: p, accumulate: xSink.accumulate)
                    }
                }
            }
        }
        if wantW {   // dW^T [K, C] (K over the output's channels) from the forward's dM (kept whenever the weight gradient is recorded)
            let dm = plan.winogradTiles!, sum = Tensor(uninitialized: [geo.rows * c]), sink = weight.gradientSink()
            WinogradConv.weightGradient(v: v.data, dm: dm.data, t: t, channels: o, outputs: c, out: sum.data, ldOut: c)
            scatterWeightGradient(sum.data, ld: c, kh: 4, kw: 4, inner: o, outer: c, sink.pointer,
                                  strideOuter: o * 16, strideInner: 16, accumulate: sink.accumulate)
        }
        if let bias, wantB { bSums.reduce(into: bias.gradientSink()) }
    }
}
