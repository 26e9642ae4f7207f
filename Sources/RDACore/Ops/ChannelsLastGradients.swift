// Gradients in the convolutions' own layout.
//
// A convolution that produced its output channels-last (`ChannelsLastImages`) also takes that
// output's gradient channels-last: its backward pass works on [N, H, W, C] (the activation's
// derivative read from the channels-last output, the bias gradient summed from it, the weight
// gradient and the input gradient read from it as rows), so the convolution that consumed the
// images hands their gradient on channels-last, written out of its padded NHWC input gradient by
// row copies. Between two convolutions neither the forward nor the backward pass then transposes.
//
// The NCHW gradient (`Tensor.grad`) still takes what every other op adds; the producer folds it
// into the channels-last one (`channelsLastGradient`). Two contributions are added in either
// order to the same bits (one addition each), so a chain gives the bits of the NCHW path.

/// The channels-last gradient [N, H, W, C] of a convolution's output [N, C, H, W]: its producer
/// accepts it (the tensor has one), a consumer writes it (`values`).
final class ChannelsLastGradient {
    /// [N, H, W, C]; nil until a consumer's backward pass writes one.
    var values: Tensor?
}

extension Tensor {
    /// Marks this tensor (the output [N, C, H, W] of a convolution that kept it channels-last,
    /// recorded for gradients) as taking its gradient channels-last too.
    func acceptChannelsLastGradient() {
        if requiresGrad && rank == 4 { channelsLastGradient = ChannelsLastGradient() }
    }

    /// Where a consumer puts this tensor's gradient channels-last, [N, H, W, C] with the extents
    /// of `shape`: nil unless the tensor takes it (`acceptChannelsLastGradient`). Fresh memory
    /// (to overwrite) on the first contribution, else the values to add to.
    func channelsLastGradientSink() -> GradientSink? {
        guard let slot = channelsLastGradient else { return nil }
        if let v = slot.values { return GradientSink(pointer: v.data, accumulate: true) }
        let v = Tensor(uninitialized: [shape[0], shape[2], shape[3], shape[1]])
        slot.values = v
        return GradientSink(pointer: v.data, accumulate: false)
    }

    /// Whether a backward pass has something to read: a gradient either way.
    var hasGradient: Bool { storedGrad != nil || channelsLastGradient?.values != nil }

    /// This tensor's whole gradient channels-last, [N, P, C] for [N, C, P...]: the channels-last
    /// contributions plus the NCHW ones (`grad`) transposed in. Only for a tensor with a gradient.
    func channelsLastGradientValues() -> Tensor {
        let n = shape[0], c = shape[1], plane = count / Swift.max(1, n * c)
        let nchw = storedGrad != nil ? grad : nil
        if let v = channelsLastGradient?.values {
            if let nchw {
                let d = v.data, s = nchw.data
                parallelRanges(n, grain: 1) { lo, hi in
                    for b in lo..<hi {
                        transposeInto(s + b * plane * c, srcStride: plane, rows: c, cols: plane,
                                      d + b * plane * c, dstStride: c, accumulate: true)
                    }
                }
            }
            return v
        }
        let v = Tensor(uninitialized: [n, plane, c])
        channelsLastFromNCHW(nchw!.data, into: v.data, images: n, plane: plane, channels: c)
        return v
    }
}

/// `channelSums` of g [images, C, plane], or of g [images, plane, C] when `channelsLast`
/// (`channelSumsChannelsLast`): a convolution's bias gradient in whichever layout its output
/// gradient came, to the same bits.
func channelSums(_ g: UnsafePointer<Float>, images: Int, channels: Int, plane: Int, into out: UnsafeMutablePointer<Float>,
                 first: Bool, channelsLast: Bool) {
    if channelsLast {
        channelSumsChannelsLast(g, images: images, channels: channels, plane: plane, into: out, first: first)
    } else {
        channelSums(g, images: images, channels: channels, plane: plane, into: out, first: first)
    }
}

/// out[c] (+)= the sum over `images` images and `plane` pixels of g [images, plane, C]: the
/// bias gradient of `channelSums` read channels-last, to the same bits (each image's plane summed
/// in eight interleaved partial sums as `sumOf` does, then the images in order). Overwrites
/// `out` when `first`.
func channelSumsChannelsLast(_ g: UnsafePointer<Float>, images: Int, channels: Int, plane: Int,
                             into out: UnsafeMutablePointer<Float>, first: Bool) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 9 * channels) { scratch in
        let lanes = scratch.baseAddress!, acc = lanes + 8 * channels
        acc.update(repeating: 0, count: channels)
        let full = plane / 8 * 8
        for b in 0..<images {
            let img = g + b * plane * channels
            lanes.update(repeating: 0, count: 8 * channels)
            var i = 0
            while i < full {   // lane l adds pixels i + l (sumOf's SIMD8 lanes), every channel at once
                for l in 0..<8 { addInto(lanes + l * channels, img + (i + l) * channels, count: channels) }
                i += 8
            }
            for ch in 0..<channels {
                var v = SIMD8<Float>()
                for l in 0..<8 { v[l] = lanes[l * channels + ch] }
                var total = v.sum()
                for j in full..<plane { total += img[j * channels + ch] }
                acc[ch] += total
            }
        }
        for ch in 0..<channels { out[ch] = first ? acc[ch] : out[ch] + acc[ch] }
    }
}

extension ConvGeometry {
    /// nhwc[b, h, w, c] (+)= padded[b, h + p, w + p, c]: the adjoint of
    /// `toPaddedNHWC(channelsLast:)` (row copies; the border is dropped). Overwrites unless
    /// `accumulate`.
    func fromPaddedNHWC(_ padded: UnsafePointer<Float>, images: Int, channelsLast nhwc: UnsafeMutablePointer<Float>,
                        accumulate: Bool) {
        let c = channels, rowFloats = paddedW * c, run = width * c
        for b in 0..<images {
            for h in 0..<height {
                let src = padded + b * paddedImage + (h + padding) * rowFloats + padding * c
                let dst = nhwc + (b * height + h) * run
                if accumulate { addInto(dst, src, count: run) } else { dst.update(from: src, count: run) }
            }
        }
    }
}
