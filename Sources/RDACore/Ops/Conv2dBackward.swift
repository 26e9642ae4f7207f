import RDAKernels

extension Convolutions {
    /// The backward pass of `conv2d`: from out.grad [N, O, OH, OW], adds the gradients of the
    /// input [N, C, H, W], the weight [O, C, kh, kw] and the bias [O] that require one. Weight
    /// and bias gradients are summed per lane and reduced in lane order (independent of the
    /// thread count). With the output kept channels-last, the gradient is taken channels-last
    /// (`ChannelsLastGradient`) and the input's handed on so when its producer takes it.
    static func conv2dBackward(_ plan: Conv2dPlan, out: Tensor, x: Tensor, weight: Tensor, bias: Tensor?) {
        if plan.winograd != nil {   // the forward ran in the Winograd domain
            return conv2dBackwardWinograd(plan, out: out, x: x, weight: weight, bias: bias)
        }
        let geo = plan.geo, batch = plan.batch, nb = plan.blockImages, activation = plan.activation
        let packed = plan.packed, saved = plan.saved
        let c = geo.channels, o = weight.shape[0], p = geo.outPlane, k = geo.rows, kh = geo.kernelH, kw = geo.kernelW
        let taps = kh * kw, inImage = c * geo.plane, outImage = o * p
        // channels-last: g and the output as [N, P, O]
        let ycl = plan.outputChannelsLast
        let gcl = ycl != nil ? out.channelsLastGradientValues() : nil
        let g = gcl?.data ?? out.grad!.data, yOut = ycl?.data ?? out.data, wd = plan.w2.data
        let wantW = weight.requiresGrad, wantX = x.requiresGrad, wantB = bias?.requiresGrad ?? false
        let lanes = lanesFor(count: batch, blockSize: nb)
        // per-lane weight gradients: [K, O16] (direct) or [O, K] (GEMM)
        let width = packed.map { $0.groups * 16 } ?? o
        // (one buffer for all lanes when they run in order, see `lanesRunInOrder`)
        let wSums = LaneSums(wanted: wantW, lanes: lanes, length: k * width, inOrder: packed != nil && lanesRunInOrder(count: batch, blockSize: nb))
        let scatterWeights = wantX && ConvBlocking.useScatter(run: kw * c, columns: k)
            ? PackedConvWeights(scatter: weight.data, reduction: o, strideReduction: c * taps, channels: c,
                                strideInner: taps, kh: kh, kw: kw) : nil
        let bSums = LaneSums(wanted: wantB, lanes: lanes, length: o)
        // The input gradient channels-last when it is scattered and x's producer takes it so.
        let xCL: GradientSink? = wantX && scatterWeights != nil ? x.channelsLastGradientSink() : nil
        let xSink: GradientSink? = wantX ? (xCL ?? x.gradientSink()) : nil
        forEachBlock(count: batch, blockSize: nb) { lane, n0, count, first in
            let gb = g + n0 * outImage
            activation.multiplyByDerivativeSerial(gb, output: yOut + n0 * outImage, count: count * outImage)
            if wantB { channelSums(gb, images: count, channels: o, plane: p, into: bSums.slot(lane), first: first, channelsLast: gcl != nil) }
            let ld = count * p
            // The block's gradient channels-last, g^T [count*P, O]: the other operand of the
            // weight gradient (when O is a multiple of 16) and the rows the input gradient scatters.
            // (the gradient itself when it came channels-last)
            let channelsLast = gcl == nil && ((wantW && packed != nil && o % 16 == 0) || (xSink != nil && scatterWeights != nil))
            let gT = Tensor(uninitialized: [channelsLast ? ld : 0, o])
            let gTd = gcl == nil ? gT.data : gb
            if channelsLast {
                for b in 0..<count {
                    transposeInto(gb + b * outImage, srcStride: p, rows: o, cols: p, gT.data + b * p * o, dstStride: o)
                }
            }
            if wantW, let saved {
                let padded = saved.data + n0 * geo.paddedImage
                if packed != nil {   // dW^T [K, O] = sum over pixels of rows (x) g
                    var panels: Tensor?, panelsData = gTd, pixelStride = o
                    if o % 16 != 0 {
                        let t = Tensor(uninitialized: [width * ld])
                        DirectConv.panels(gb, images: count, channels: o, plane: p, imageStride: outImage, into: t.data)
                        panels = t
                        panelsData = t.data
                        pixelStride = 0
                    }
                    withRowPointers(padded, images: count, geo: geo) { rows in
                        DirectConv.weightGradient(rows: rows, pixels: ld, segments: kh, segmentLength: kw * c,
                                                  segmentStride: geo.paddedW * c, panels: panelsData, groups: width / 16,
                                                  pixelStride: pixelStride,
                                                  out: wSums.slot(lane), ldOut: width, accumulate: wSums.adds(lane: lane, first: first))
                    }
                    withExtendedLifetime(panels) {}
                } else {             // dW2 [O, K] += g2 colsT
                    let colsT = Tensor(uninitialized: [ld, k])
                    geo.im2colT(padded, images: count, colsT.data)
                    withBlockGradient(gb, count: count, channels: o, plane: p) { g2 in
                        laneGEMM(transA: false, transB: false, m: o, n: k, k: ld, a: g2, lda: ld,
                                 b: colsT.data, ldb: k, beta: wSums.adds(lane: lane, first: first) ? 1 : 0, c: wSums.slot(lane), ldc: k)
                    }
                }
            }
            if let xSink, let scatterWeights {   // dx: every pixel's taps added into the padded images
                let padded = Tensor(zeros: [count * geo.paddedImage])
                withScatterRows(gTd, stride: o, padded.data, images: count, geo: geo) { src, dst in
                    DirectConv.scatter(src: src, dst: dst, pixels: ld, segmentLength: kw * c,
                                       segmentStride: geo.paddedW * c, weights: scatterWeights)
                }
                if xCL != nil {
                    geo.fromPaddedNHWC(padded.data, images: count, channelsLast: xSink.pointer + n0 * inImage, accumulate: xSink.accumulate)
                } else {
                    geo.fromPaddedNHWC(padded.data, images: count, xSink.pointer + n0 * inImage, accumulate: xSink.accumulate)
                }
                withExtendedLifetime(gT) {}
            } else if let xSink {    // dcolsT = g2^T W2, scattered back onto the images
                let dcolsT = Tensor(uninitialized: [ld, k])
                withBlockGradient(gb, count: count, channels: o, plane: p) { g2 in
                    laneGEMM(transA: true, transB: false, m: ld, n: k, k: o, a: g2, lda: ld,
                             b: wd, ldb: k, beta: 0, c: dcolsT.data, ldc: k)
                }
                let padded = Tensor(zeros: [count * geo.paddedImage])
                geo.col2imT(dcolsT.data, images: count, padded.data)
                geo.fromPaddedNHWC(padded.data, images: count, xSink.pointer + n0 * inImage, accumulate: xSink.accumulate)
            }
        }
        if wantW {
            let sum = wSums.total()
            let sink = weight.gradientSink()
            if packed != nil {
                scatterWeightGradient(sum.data, ld: width, kh: kh, kw: kw, inner: c, outer: o, sink.pointer,
                                      strideOuter: c * taps, strideInner: taps, accumulate: sink.accumulate)
            } else {
                weightFromTapsLast(sum.data, sink.pointer, a: o, b: c, taps: taps, accumulate: sink.accumulate)
            }
        }
        if let bias, wantB { bSums.reduce(into: bias.gradientSink()) }
    }
}
