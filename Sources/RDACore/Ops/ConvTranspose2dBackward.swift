import RDAKernels

extension Convolutions {
    /// The backward pass of `convTranspose2d`: from out.grad [N, O, OH, OW], adds the gradients
    /// of the input [N, C, H, W], the weight [C, O, kh, kw] and the bias [O] that require one.
    /// Weight and bias gradients are summed per lane and reduced in lane order (independent of
    /// the thread count). With the output kept channels-last, the gradient is taken channels-last
    /// (`ChannelsLastGradient`) and the input's handed on so when its producer takes it.
    static func convTranspose2dBackward(_ plan: ConvTranspose2dPlan, out: Tensor, x: Tensor, weight: Tensor, bias: Tensor?) {
        if plan.winograd != nil {   // the forward ran in the Winograd domain
            return convTranspose2dBackwardWinograd(plan, out: out, x: x, weight: weight, bias: bias)
        }
        let geo = plan.geo, batch = plan.batch, nb = plan.blockImages, activation = plan.activation, savedXT = plan.savedXT
        let c = plan.inChannels, o = geo.channels, h = geo.outH, w = geo.outW, kh = geo.kernelH, kw = geo.kernelW
        let p = h * w, k = geo.rows, taps = kh * kw, inImage = c * p, outPlane = geo.plane, outImage = o * outPlane
        let xd = x.data   // recorded: the NCHW values are there
        // channels-last: g and the output as [N, OH*OW, O]
        let ycl = plan.outputChannelsLast
        let gcl = ycl != nil ? out.channelsLastGradientValues() : nil
        let g = gcl?.data ?? out.grad!.data, yOut = ycl?.data ?? out.data, wd = plan.w2.data
        let wantW = weight.requiresGrad, wantX = x.requiresGrad, wantB = bias?.requiresGrad ?? false
        let lanes = lanesFor(count: batch, blockSize: nb)
        // Wide kernel rows of the output gradient are read in place (see `DirectConv`): the
        // input gradient with weights packed as [kh, kw, O] x C, the weight gradient against
        // the input as panels.
        let direct = ConvBlocking.useDirect(run: kw * o, minimum: 4)
        let packed = wantX && direct
            ? PackedConvWeights(weight.data, columns: c, channels: o, kh: kh, kw: kw, strideOut: o * taps, strideIn: taps) : nil
        let width = direct ? (c + 15) / 16 * 16 : c
        // The input gradient channels-last (dx^T as the kernel writes it) when x's producer takes it so.
        let xCL: GradientSink? = packed != nil && width == c ? x.channelsLastGradientSink() : nil
        let xSink: GradientSink? = wantX ? (xCL ?? x.gradientSink()) : nil
        // (one buffer for all lanes when they run in order, see `lanesRunInOrder`)
        let wSums = LaneSums(wanted: wantW, lanes: lanes, length: width * k, inOrder: direct && lanesRunInOrder(count: batch, blockSize: nb))
        let bSums = LaneSums(wanted: wantB, lanes: lanes, length: o)
        forEachBlock(count: batch, blockSize: nb) { lane, n0, count, first in
            let gb = g + n0 * outImage
            activation.multiplyByDerivativeSerial(gb, output: yOut + n0 * outImage, count: count * outImage)
            if wantB { channelSums(gb, images: count, channels: o, plane: outPlane, into: bSums.slot(lane), first: first, channelsLast: gcl != nil) }
            guard wantW || wantX else { return }
            let ld = count * p
            let padded = Tensor(uninitialized: [count * geo.paddedImage])
            if gcl != nil {
                geo.toPaddedNHWC(channelsLast: gb, images: count, padded.data)
            } else {
                geo.toPaddedNHWC(gb, images: count, padded.data)
            }
            if direct {
                withRowPointers(padded.data, images: count, geo: geo) { rows in
                    if let xSink, let packed {   // dx^T [count*P, C]
                        let inPlace = xCL != nil && !xSink.accumulate   // straight into x's channels-last gradient
                        let outT = Tensor(uninitialized: [inPlace ? 0 : ld, width])
                        DirectConv.run(rows: rows, pixels: ld, segments: kh, segmentLength: kw * o, segmentStride: geo.paddedW * o,
                                       weights: packed, out: inPlace ? xSink.pointer + n0 * inImage : outT.data, ldOut: width)
                        if xCL != nil {
                            if !inPlace { addInto(xSink.pointer + n0 * inImage, outT.data, count: ld * c) }
                        } else {
                            for b in 0..<count {
                                transposeInto(outT.data + b * p * width, srcStride: width, rows: p, cols: c,
                                              xSink.pointer + (n0 + b) * inImage, dstStride: p, accumulate: xSink.accumulate)
                            }
                        }
                    }
                    if wantW {                   // dW^T [K, C] = sum over pixels of rows (x) x
                        if let savedXT {
                            DirectConv.weightGradient(rows: rows, pixels: ld, segments: kh, segmentLength: kw * o,
                                                      segmentStride: geo.paddedW * o, panels: savedXT.data + n0 * p * c,
                                                      groups: width / 16, pixelStride: c,
                                                      out: wSums.slot(lane), ldOut: width, accumulate: wSums.adds(lane: lane, first: first))
                        } else {
                            let panels = Tensor(uninitialized: [width * ld])
                            DirectConv.panels(xd + n0 * inImage, images: count, channels: c, plane: p, imageStride: inImage,
                                              into: panels.data)
                            DirectConv.weightGradient(rows: rows, pixels: ld, segments: kh, segmentLength: kw * o,
                                                      segmentStride: geo.paddedW * o, panels: panels.data, groups: width / 16,
                                                      out: wSums.slot(lane), ldOut: width, accumulate: wSums.adds(lane: lane, first: first))
                        }
                    }
                }
                return
            }
            let gcolsT = Tensor(uninitialized: [ld, k])
            geo.im2colT(padded.data, images: count, gcolsT.data)
            if let xSink {    // dx2[C, count*P] = W2 gcolsT^T
                if count == 1 {
                    laneGEMM(transA: false, transB: true, m: c, n: p, k: k, a: wd, lda: k,
                             b: gcolsT.data, ldb: k, beta: xSink.beta, c: xSink.pointer + n0 * inImage, ldc: p)
                } else {
                    let dx2 = Tensor(uninitialized: [c, ld])
                    laneGEMM(transA: false, transB: true, m: c, n: ld, k: k, a: wd, lda: k,
                             b: gcolsT.data, ldb: k, beta: 0, c: dx2.data, ldc: ld)
                    for b in 0..<count {
                        for ch in 0..<c {
                            let dst = xSink.pointer + (n0 + b) * inImage + ch * p, src = dx2.data + (ch * count + b) * p
                            if xSink.accumulate { addInto(dst, src, count: p) } else { dst.update(from: src, count: p) }
                        }
                    }
                }
            }
            if wantW {        // dW2[C, K] += x2 gcolsT
                var scratch: Tensor?
                let x2 = inputBlock(xd, n0, count, channels: c, plane: p, &scratch)
                laneGEMM(transA: false, transB: false, m: c, n: k, k: ld, a: x2, lda: ld,
                         b: gcolsT.data, ldb: k, beta: wSums.adds(lane: lane, first: first) ? 1 : 0, c: wSums.slot(lane), ldc: k)
                withExtendedLifetime(scratch) {}
            }
        }
        if wantW {
            let sum = wSums.total()
            let sink = weight.gradientSink()
            if direct {
                scatterWeightGradient(sum.data, ld: width, kh: kh, kw: kw, inner: o, outer: c, sink.pointer,
                                      strideOuter: o * taps, strideInner: taps, accumulate: sink.accumulate)
            } else {
                weightFromTapsLast(sum.data, sink.pointer, a: c, b: o, taps: taps, accumulate: sink.accumulate)
            }
        }
        if let bias, wantB { bSums.reduce(into: bias.gradientSink()) }
    }
}
