import Foundation
import RDAKernels

// Convolutions over blocks of images.
//
// The batch is cut into blocks of a few images, sized so that a block's working set stays in the
// core's L2 cache; the blocks are dealt to the worker pool's threads (`forEachBlock`) and each
// thread works on its block while the data is hot, with single-threaded kernels. A block's
// images are first copied to a zero-padded channels-last (NHWC) layout, in which one kernel row of
// one output pixel (kw taps x C channels) is kw * C consecutive floats. Then (`DirectConv`):
//
// - the gather direction (the forward of `conv2d`, the input gradient of `convTranspose2d`) and
//   the weight gradients read those rows in place, with no im2col matrix and no packing of the
//   image (kernel rows of at least 4 floats);
// - the scatter direction (the input gradient of `conv2d`, the forward of `convTranspose2d`)
//   adds every pixel's products straight into the padded image (col2im fused into the product);
// - what remains (narrow kernel rows elsewhere) builds `colsT` [pixels, kh * kw * C] with
//   `im2colT` and uses a GEMM, and `col2imT`, its adjoint.
//
// Bias and activation are applied in the pass that moves a block's result into NCHW layout. A
// result that came out channels-last is kept as `Tensor.channelsLast` for the next convolution
// (which then skips its transpose), and without gradients its NCHW copy is only made if read
// (`Tensor.pendingValues`). Weight and bias gradients are summed per lane and reduced in lane
// order; blocks and lanes depend on the batch and the shapes only, so results depend neither on
// timing nor on the thread count.
//
// RDA_DIRECT_CONV=0 turns the in-place kernels off (everything through im2col + GEMM), for
// comparisons; RDA_CONV_BLOCK_FLOATS sets the block size.

/// Images per block, and which kernel.
enum ConvBlocking {
    /// Target size of a block's cols matrix in floats (RDA_CONV_BLOCK_FLOATS overrides; 2^16
    /// floats = 256 KiB, a quarter of the 1 MiB L2).
    static let targetFloats: Int = {
        if let text = ProcessInfo.processInfo.environment["RDA_CONV_BLOCK_FLOATS"], let v = Int(text), v > 0 { return v }
        return 1 << 16
    }()

    /// Whether convolutions with wide kernel rows use `DirectConv` (RDA_DIRECT_CONV=0: never).
    static let direct = ProcessInfo.processInfo.environment["RDA_DIRECT_CONV"] != "0"

    /// Whether kernel rows of `run` floats (kw * C) are wide enough for `DirectConv`.
    static func useDirect(run: Int, minimum: Int = 16) -> Bool { direct && run >= minimum }

    /// Whether the scatter direction (col2im) can use `DirectConv.scatter` for kernel rows of
    /// `run` floats and `columns` = kh * kw * channels.
    static func useScatter(run: Int, columns: Int) -> Bool {
        useDirect(run: run, minimum: 4) && DirectConv.canScatter(segmentLength: run, columns: columns)
    }

    /// Images per block for `perImage` cols floats per image: at most `targetFloats` of them,
    /// and small enough that every lane of `forEachBlock` gets a block. Independent of the
    /// thread count, as the blocks decide the order of the weight-gradient sums.
    static func images(batch: Int, perImage: Int) -> Int {
        let balanced = (batch + fixedLanes - 1) / fixedLanes
        return Swift.max(1, Swift.min(balanced, targetFloats / Swift.max(perImage, 1)))
    }
}

extension Tensor {
    /// 2-D convolution (cross-correlation, as in PyTorch) of NCHW images, optionally followed by
    /// `activation` in the same op.
    /// Shapes: x [N, C, H, W], weight [O, C, kh, kw], bias [O] -> [N, O, OH, OW] with
    /// OH = (H + 2 padding - kh) / stride + 1 (likewise OW).
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                              activation: Activation = .identity) -> Tensor {
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
        let packed = direct ? PackedConvWeights(weight.data, columns: o, channels: c, kh: kh, kw: kw,
                                                strideOut: c * taps, strideIn: taps) : nil
        // The backward pass reads the padded input again (weight gradient): keep it.
        let training = GradMode.isEnabled && (weight.requiresGrad || x.requiresGrad || (bias?.requiresGrad ?? false))
        let saved: Tensor? = training && weight.requiresGrad ? Tensor(uninitialized: [batch * geo.paddedImage]) : nil
        // The input channels-last, when the op that made it kept them (`channelsLast`); its NCHW
        // values are then not read (they may not even be there yet: `pendingValues`).
        let xcl = x.channelsLast.flatMap { $0.shape == [batch, geo.height, geo.width, c] ? $0.data : nil }
        let xd = xcl != nil ? x.buffer.pointer : x.data, yd = y.buffer.pointer, bd = bias?.data
        // With O a multiple of 16 the product comes out as the output channels-last: keep it.
        // Without gradients the NCHW copy is made only when asked for (`pendingValues`).
        let ycl: Tensor? = direct && o % 16 == 0 ? Tensor(uninitialized: [batch, geo.outH, geo.outW, o]) : nil
        let deferNCHW = ycl != nil && !GradMode.isEnabled

        forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
            let ld = count * p
            let yb = yd + n0 * outImage
            let scratch: Tensor? = saved == nil ? Tensor(uninitialized: [count * geo.paddedImage]) : nil
            let padded = saved.map { $0.data + n0 * geo.paddedImage } ?? scratch!.data
            if let xcl {
                geo.toPaddedNHWC(channelsLast: xcl + n0 * geo.plane * c, images: count, padded)
            } else {
                geo.toPaddedNHWC(xd + n0 * inImage, images: count, padded)
            }
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
        }
        y.channelsLast = ycl
        if deferNCHW, let ycl { y.pendingValues = nchwFromChannelsLast(ycl, into: y.buffer, images: batch, plane: p, channels: o) }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return y.recording(inputs) { out in
            let g = out.grad!.data, yOut = out.data, wd = w2.data
            let wantW = weight.requiresGrad, wantX = x.requiresGrad, wantB = bias?.requiresGrad ?? false
            let xSink: GradientSink? = wantX ? x.gradientSink() : nil
            let lanes = lanesFor(count: batch, blockSize: nb)
            // per-lane weight gradients: [K, O16] (direct) or [O, K] (GEMM)
            let width = packed.map { $0.groups * 16 } ?? o
            let wParts = Tensor(uninitialized: [wantW ? lanes : 0, k * width])
            let scatterWeights = wantX && ConvBlocking.useScatter(run: kw * c, columns: k)
                ? PackedConvWeights(scatter: weight.data, reduction: o, strideReduction: c * taps, channels: c,
                                    strideInner: taps, kh: kh, kw: kw) : nil
            let bParts = Tensor(uninitialized: [wantB ? lanes : 0, o])
            forEachBlock(count: batch, blockSize: nb) { lane, n0, count, first in
                let gb = g + n0 * outImage
                activation.multiplyByDerivativeSerial(gb, output: yOut + n0 * outImage, count: count * outImage)
                if wantB { channelSums(gb, images: count, channels: o, plane: p, into: bParts.data + lane * o, first: first) }
                let ld = count * p
                // The block's gradient channels-last, g^T [count*P, O]: the other operand of the
                // weight gradient (when O is a multiple of 16) and the rows the input gradient scatters.
                let channelsLast = (wantW && packed != nil && o % 16 == 0) || (xSink != nil && scatterWeights != nil)
                let gT = Tensor(uninitialized: [channelsLast ? ld : 0, o])
                if channelsLast {
                    for b in 0..<count {
                        transposeInto(gb + b * outImage, srcStride: p, rows: o, cols: p, gT.data + b * p * o, dstStride: o)
                    }
                }
                if wantW, let saved {
                    let padded = saved.data + n0 * geo.paddedImage
                    if packed != nil {   // dW^T [K, O] = sum over pixels of rows (x) g
                        var panels = gT, pixelStride = o
                        if o % 16 != 0 {
                            panels = Tensor(uninitialized: [width * ld])
                            DirectConv.panels(gb, images: count, channels: o, plane: p, imageStride: outImage, into: panels.data)
                            pixelStride = 0
                        }
                        withRowPointers(padded, images: count, geo: geo) { rows in
                            DirectConv.weightGradient(rows: rows, pixels: ld, segments: kh, segmentLength: kw * c,
                                                      segmentStride: geo.paddedW * c, panels: panels.data, groups: width / 16,
                                                      pixelStride: pixelStride,
                                                      out: wParts.data + lane * k * width, ldOut: width, accumulate: !first)
                        }
                    } else {             // dW2 [O, K] += g2 colsT
                        let colsT = Tensor(uninitialized: [ld, k])
                        geo.im2colT(padded, images: count, colsT.data)
                        withBlockGradient(gb, count: count, channels: o, plane: p) { g2 in
                            laneGEMM(transA: false, transB: false, m: o, n: k, k: ld, a: g2, lda: ld,
                                     b: colsT.data, ldb: k, beta: first ? 0 : 1, c: wParts.data + lane * o * k, ldc: k)
                        }
                    }
                }
                if let xSink, let scatterWeights {   // dx: every pixel's taps added into the padded images
                    let padded = Tensor(zeros: [count * geo.paddedImage])
                    withScatterRows(gT.data, stride: o, padded.data, images: count, geo: geo) { src, dst in
                        DirectConv.scatter(src: src, dst: dst, pixels: ld, segmentLength: kw * c,
                                           segmentStride: geo.paddedW * c, weights: scatterWeights)
                    }
                    geo.fromPaddedNHWC(padded.data, images: count, xSink.pointer + n0 * inImage, accumulate: xSink.accumulate)
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
                let sum = Tensor(uninitialized: [k * width])
                reduceLanes(wParts.data, lanes: lanes, length: k * width, into: GradientSink(pointer: sum.data, accumulate: false))
                let sink = weight.gradientSink()
                if packed != nil {
                    scatterWeightGradient(sum.data, ld: width, kh: kh, kw: kw, inner: c, outer: o, sink.pointer,
                                          strideOuter: c * taps, strideInner: taps, accumulate: sink.accumulate)
                } else {
                    weightFromTapsLast(sum.data, sink.pointer, a: o, b: c, taps: taps, accumulate: sink.accumulate)
                }
            }
            if let bias, wantB { reduceLanes(bParts.data, lanes: lanes, length: o, into: bias.gradientSink()) }
        }
    }

    /// Transposed 2-D convolution (the adjoint of `conv2d` in its input, as PyTorch's
    /// `conv_transpose2d`), optionally followed by `activation`.
    /// Shapes: x [N, C, H, W], weight [C, O, kh, kw], bias [O] -> [N, O, OH, OW] with
    /// OH = (H - 1) stride - 2 padding + kh + outputPadding (likewise OW).
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                                       outputPadding: Int = 0, activation: Activation = .identity) -> Tensor {
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
        let yd = y.buffer.pointer, bd = bias?.data

        // Every input pixel's taps added into the padded output (`DirectConv.scatter`) when the
        // kernel rows are wide enough; else colsT = x2^T W2 and col2imT.
        let scatterWeights = ConvBlocking.useScatter(run: kw * o, columns: k)
            ? PackedConvWeights(scatter: weight.data, reduction: c, strideReduction: o * taps, channels: o,
                                strideInner: taps, kh: kh, kw: kw) : nil
        // The input channels-last, x^T [N*P, C], is also the other operand of the weight
        // gradient (DirectConv.weightGradient, C a multiple of 16): keep it for the backward pass.
        // (or the input's own channels-last copy, when the op that made it kept one)
        let xcl = x.channelsLast.flatMap { $0.shape == [batch, h, w, c] ? $0 : nil }
        let keepXT = scatterWeights != nil && GradMode.isEnabled && weight.requiresGrad && c % 16 == 0
            && ConvBlocking.useDirect(run: kw * o, minimum: 4)
        let savedXT: Tensor? = keepXT ? (xcl ?? Tensor(uninitialized: [batch * p, c])) : nil
        // With O a multiple of 16, keep the output channels-last too (for the next convolution).
        let ycl: Tensor? = scatterWeights != nil && o % 16 == 0 ? Tensor(uninitialized: [batch, oh, ow, o]) : nil
        let deferNCHW = ycl != nil && !GradMode.isEnabled
        // The NCHW input is read only where its channels-last copy does not serve (and is then
        // made if pending).
        let xd = xcl != nil && scatterWeights != nil && !GradMode.isEnabled ? x.buffer.pointer : x.data

        /// The block's input as [C, count*P] (a view when count == 1, else `scratch`).
        func inputBlock(_ n0: Int, _ count: Int, _ scratch: inout Tensor?) -> UnsafePointer<Float> {
            if count == 1 { return UnsafePointer(xd + n0 * inImage) }
            let t = Tensor(uninitialized: [c, count * p])
            swapOuterAxes(xd + n0 * inImage, t.data, a: count, b: c, p: p)
            scratch = t
            return UnsafePointer(t.data)
        }

        forEachBlock(count: batch, blockSize: nb) { _, n0, count, _ in
            let ld = count * p
            let padded = Tensor(zeros: [count * geo.paddedImage])
            if let scatterWeights {
                let scratch: Tensor? = savedXT == nil && xcl == nil ? Tensor(uninitialized: [ld, c]) : nil
                let xT = (xcl ?? savedXT).map { $0.data + n0 * p * c } ?? scratch!.data   // [count*P, C]
                if xcl == nil {
                    for b in 0..<count {
                        transposeInto(xd + (n0 + b) * inImage, srcStride: p, rows: c, cols: p, xT + b * p * c, dstStride: c)
                    }
                }
                withScatterRows(xT, stride: c, padded.data, images: count, geo: geo) { src, dst in
                    DirectConv.scatter(src: src, dst: dst, pixels: ld, segmentLength: kw * o,
                                       segmentStride: geo.paddedW * o, weights: scatterWeights)
                }
            } else {
                var scratch: Tensor?
                let x2 = inputBlock(n0, count, &scratch)
                let colsT = Tensor(uninitialized: [ld, k])   // [count*P, K] = x2^T W2
                laneGEMM(transA: true, transB: false, m: ld, n: k, k: c, a: x2, lda: ld,
                         b: w2.data, ldb: k, beta: 0, c: colsT.data, ldc: k)
                geo.col2imT(colsT.data, images: count, padded.data)
                withExtendedLifetime(scratch) {}
            }
            if let ycl {
                geo.fromPaddedNHWC(padded.data, images: count, deferNCHW ? nil : yd + n0 * outImage,
                                   channelsLast: ycl.data + n0 * outImage, bias: bd, activation: activation)
            } else {
                geo.fromPaddedNHWC(padded.data, images: count, yd + n0 * outImage, bias: bd, activation: activation)
            }
        }
        y.channelsLast = ycl
        if deferNCHW, let ycl { y.pendingValues = nchwFromChannelsLast(ycl, into: y.buffer, images: batch, plane: outPlane, channels: o) }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return y.recording(inputs) { out in
            let g = out.grad!.data, yOut = out.data, wd = w2.data
            let wantW = weight.requiresGrad, wantX = x.requiresGrad, wantB = bias?.requiresGrad ?? false
            let xSink: GradientSink? = wantX ? x.gradientSink() : nil
            let lanes = lanesFor(count: batch, blockSize: nb)
            // Wide kernel rows of the output gradient are read in place (see `DirectConv`): the
            // input gradient with weights packed as [kh, kw, O] x C, the weight gradient against
            // the input as panels.
            let direct = ConvBlocking.useDirect(run: kw * o, minimum: 4)
            let packed = wantX && direct
                ? PackedConvWeights(weight.data, columns: c, channels: o, kh: kh, kw: kw, strideOut: o * taps, strideIn: taps) : nil
            let width = direct ? (c + 15) / 16 * 16 : c
            let wParts = Tensor(uninitialized: [wantW ? lanes : 0, width * k])
            let bParts = Tensor(uninitialized: [wantB ? lanes : 0, o])
            forEachBlock(count: batch, blockSize: nb) { lane, n0, count, first in
                let gb = g + n0 * outImage
                activation.multiplyByDerivativeSerial(gb, output: yOut + n0 * outImage, count: count * outImage)
                if wantB { channelSums(gb, images: count, channels: o, plane: outPlane, into: bParts.data + lane * o, first: first) }
                guard wantW || wantX else { return }
                let ld = count * p
                let padded = Tensor(uninitialized: [count * geo.paddedImage])
                geo.toPaddedNHWC(gb, images: count, padded.data)
                if direct {
                    withRowPointers(padded.data, images: count, geo: geo) { rows in
                        if let xSink, let packed {   // dx^T [count*P, C]
                            let outT = Tensor(uninitialized: [ld, width])
                            DirectConv.run(rows: rows, pixels: ld, segments: kh, segmentLength: kw * o,
                                           segmentStride: geo.paddedW * o, weights: packed, out: outT.data, ldOut: width)
                            for b in 0..<count {
                                transposeInto(outT.data + b * p * width, srcStride: width, rows: p, cols: c,
                                              xSink.pointer + (n0 + b) * inImage, dstStride: p, accumulate: xSink.accumulate)
                            }
                        }
                        if wantW {                   // dW^T [K, C] = sum over pixels of rows (x) x
                            if let savedXT {
                                DirectConv.weightGradient(rows: rows, pixels: ld, segments: kh, segmentLength: kw * o,
                                                          segmentStride: geo.paddedW * o, panels: savedXT.data + n0 * p * c,
                                                          groups: width / 16, pixelStride: c,
                                                          out: wParts.data + lane * k * width, ldOut: width, accumulate: !first)
                            } else {
                                let panels = Tensor(uninitialized: [width * ld])
                                DirectConv.panels(xd + n0 * inImage, images: count, channels: c, plane: p, imageStride: inImage,
                                                  into: panels.data)
                                DirectConv.weightGradient(rows: rows, pixels: ld, segments: kh, segmentLength: kw * o,
                                                          segmentStride: geo.paddedW * o, panels: panels.data, groups: width / 16,
                                                          out: wParts.data + lane * k * width, ldOut: width, accumulate: !first)
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
                    let x2 = inputBlock(n0, count, &scratch)
                    laneGEMM(transA: false, transB: false, m: c, n: k, k: ld, a: x2, lda: ld,
                             b: gcolsT.data, ldb: k, beta: first ? 0 : 1, c: wParts.data + lane * c * k, ldc: k)
                    withExtendedLifetime(scratch) {}
                }
            }
            if wantW {
                let sum = Tensor(uninitialized: [width * k])
                reduceLanes(wParts.data, lanes: lanes, length: width * k, into: GradientSink(pointer: sum.data, accumulate: false))
                let sink = weight.gradientSink()
                if direct {
                    scatterWeightGradient(sum.data, ld: width, kh: kh, kw: kw, inner: o, outer: c, sink.pointer,
                                          strideOuter: o * taps, strideInner: taps, accumulate: sink.accumulate)
                } else {
                    weightFromTapsLast(sum.data, sink.pointer, a: c, b: o, taps: taps, accumulate: sink.accumulate)
                }
            }
            if let bias, wantB { reduceLanes(bParts.data, lanes: lanes, length: o, into: bias.gradientSink()) }
        }
    }
}

/// A filler for `Tensor.pendingValues`: buffer [N, C, P] from the channels-last [N, P, C].
func nchwFromChannelsLast(_ nhwc: Tensor, into buffer: Buffer, images: Int, plane: Int, channels: Int) -> () -> Void {
    { [nhwc, buffer] in
        let src = nhwc.data, dst = buffer.pointer
        parallelRanges(images, grain: 1) { lo, hi in
            for b in lo..<hi {
                transposeInto(src + b * plane * channels, srcStride: channels, rows: plane, cols: channels,
                              dst + b * plane * channels, dstStride: plane)
            }
        }
    }
}

/// Runs `body` with the row pointers of `DirectConv` for a block of padded NHWC images.
@inline(__always)
func withRowPointers(_ padded: UnsafePointer<Float>, images: Int, geo: ConvGeometry,
                     _ body: (UnsafePointer<UnsafePointer<Float>>) -> Void) {
    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: images * geo.outPlane) { rows in
        DirectConv.rowPointers(padded, images: images, geo: geo, into: rows.baseAddress!)
        body(UnsafePointer(rows.baseAddress!))
    }
}

/// Runs `body` with the pointers of `DirectConv.scatter`: pixel q's source row `rows + q * stride`
/// and its place in a block of padded NHWC images.
@inline(__always)
func withScatterRows(_ rows: UnsafePointer<Float>, stride: Int, _ padded: UnsafeMutablePointer<Float>, images: Int, geo: ConvGeometry,
                     _ body: (UnsafePointer<UnsafePointer<Float>>, UnsafePointer<UnsafeMutablePointer<Float>>) -> Void) {
    let pixels = images * geo.outPlane
    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: pixels) { src in
        for q in 0..<pixels { src[q] = rows + q * stride }
        withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: pixels) { dst in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: pixels) { tmp in
                DirectConv.rowPointers(padded, images: images, geo: geo, into: tmp.baseAddress!)
                for q in 0..<pixels { dst[q] = UnsafeMutablePointer(mutating: tmp[q]) }
            }
            body(UnsafePointer(src.baseAddress!), UnsafePointer(dst.baseAddress!))
        }
    }
}

/// Runs `body` with a block's output gradient as g2 [channels, count*plane] (the images side by
/// side; a view when count == 1).
@inline(__always)
func withBlockGradient(_ gb: UnsafePointer<Float>, count: Int, channels: Int, plane: Int, _ body: (UnsafePointer<Float>) -> Void) {
    if count == 1 { body(gb); return }
    let t = Tensor(uninitialized: [channels, count * plane])
    swapOuterAxes(gb, t.data, a: count, b: channels, p: plane)
    body(t.data)
}

/// weight[outer * strideOuter + inner * strideInner + i * kw + j] (+)= t[((i * kw + j) * inner + in) * ld + out]:
/// a weight gradient from `DirectConv.weightGradient`'s [kh, kw, inner] x outer layout back to the weight's.
func scatterWeightGradient(_ t: UnsafePointer<Float>, ld: Int, kh: Int, kw: Int, inner: Int, outer: Int,
                           _ weight: UnsafeMutablePointer<Float>, strideOuter: Int, strideInner: Int, accumulate: Bool) {
    parallelRanges(inner, grain: Swift.max(1, (1 << 13) / Swift.max(kh * kw * outer, 1))) { lo, hi in
        for i in 0..<kh {
            for j in 0..<kw {
                for a in lo..<hi {
                    let row = t + ((i * kw + j) * inner + a) * ld
                    let base = weight + a * strideInner + i * kw + j
                    if accumulate {
                        for b in 0..<outer { base[b * strideOuter] += row[b] }
                    } else {
                        for b in 0..<outer { base[b * strideOuter] = row[b] }
                    }
                }
            }
        }
    }
}

/// out[ch] = (first ? 0 : out[ch]) + sum over the images and the plane of g[b, ch, :], for a
/// [images, channels, plane] block.
@inline(__always)
func channelSums(_ g: UnsafePointer<Float>, images: Int, channels: Int, plane: Int, into out: UnsafeMutablePointer<Float>, first: Bool) {
    for ch in 0..<channels {
        var acc: Float = 0
        for b in 0..<images { acc += sumOf(g + (b * channels + ch) * plane, count: plane) }
        out[ch] = first ? acc : out[ch] + acc
    }
}

/// The sum of `count` floats, in eight interleaved partial sums (vectorized).
@inline(__always)
func sumOf(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= count {
        acc += raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    var total = acc.sum()
    while i < count { total += p[i]; i &+= 1 }
    return total
}
