import RDAKernels

// The convolutions' own layout, and who owns it.
//
// Every op reads and writes NCHW tensors. A convolution with a multiple of 16 output channels
// computes its result channels-last, [N, H, W, C], and makes the NCHW copy from it; the next
// convolution wants its input channels-last again (in its padded NHWC blocks). Instead of
// transposing there and back, a convolution returns its result as `ChannelsLastImages`, which
// `Sequential` hands to the next layer as a `LayerOutput`: a convolution reads the channels-last
// values, everything else asks for `nchw`. The NCHW copy is made only on that request (with
// gradients too when the convolution's backward pass works channels-last, see
// `ChannelsLastGradient`), so a convolution that feeds a convolution never makes it, and flattened images that
// feed a `Linear` are multiplied channels-last (`flattenedLinear`).
//
// The pending NCHW values belong to this value alone: a `Tensor` is always filled, and a
// `ChannelsLastImages` is handed from one layer to the next on one thread.

/// A batch of images a convolution produced channels-last: the values as [N, H, W, C]
/// (`channelsLast`) and as NCHW [N, C, H, W] (`nchw`, made on first request when deferred).
final class ChannelsLastImages {
    /// [N, H, W, C].
    let channelsLast: Tensor
    /// [N, C, H, W]; its values are unspecified while `fill` is set.
    private let tensor: Tensor
    /// Writes `tensor`'s values from `channelsLast`; nil once they are there.
    private var fill: (() -> Void)?

    /// `nchw` [N, C, H, W] and `channelsLast` [N, H, W, C] hold the same images. With
    /// `deferred`, `nchw`'s values are not written yet: they are transposed from `channelsLast`
    /// on the first read of `nchw`.
    init(nchw: Tensor, channelsLast: Tensor, deferred: Bool) {
        require(nchw.rank == 4 && channelsLast.shape == [nchw.shape[0], nchw.shape[2], nchw.shape[3], nchw.shape[1]],
                "channels-last images \(channelsLast.shape) for NCHW \(nchw.shape)")
        self.channelsLast = channelsLast
        self.tensor = nchw
        if deferred {
            let (n, c, plane) = (nchw.shape[0], nchw.shape[1], nchw.shape[2] * nchw.shape[3])
            fill = { nchwFromChannelsLast(channelsLast.data, into: nchw.data, images: n, plane: plane, channels: c) }
        }
    }

    /// The images [N, C, H, W], their values written.
    var nchw: Tensor {
        if let f = fill { fill = nil; f() }
        return tensor
    }

    /// Whether `nchw`'s values are still to be made.
    var isPending: Bool { fill != nil }

    /// The NCHW tensor as a graph node (an op's recorded input), values possibly unwritten:
    /// only for an op that reads `channelsLast` instead, in its backward pass too (a convolution
    /// that needs the NCHW values there asks for `nchw` in its forward pass).
    var node: Tensor { tensor }

    /// The shape of `nchw`: [N, C, H, W].
    var shape: [Int] { tensor.shape }
}

/// What a layer of a `Sequential` hands the next: a tensor, or images in the convolutions'
/// layout (see `ChannelsLastImages`).
enum LayerOutput {
    /// Any tensor.
    case tensor(Tensor)
    /// Images [N, C, H, W] a convolution produced channels-last.
    case images(ChannelsLastImages)
    /// The same images flattened to [N, C*H*W] (by `Flatten`) while their NCHW values are pending.
    case flattenedImages(ChannelsLastImages)

    /// The value as a tensor, NCHW for images (made now if pending).
    var tensor: Tensor {
        switch self {
        case .tensor(let t): return t
        case .images(let i): return i.nchw
        case .flattenedImages(let i):
            let t = i.nchw
            return t.reshaped([t.shape[0], -1])
        }
    }

    /// The channels-last values [N, H, W, C] of images [N, C, H, W], when this value carries them.
    var channelsLast: Tensor? {
        guard case .images(let i) = self else { return nil }
        return i.channelsLast
    }

    /// The tensor as a graph node, without making pending NCHW values (for an op that reads
    /// `channelsLast` instead; see `ChannelsLastImages.node`).
    var node: Tensor {
        switch self {
        case .images(let i): return i.node
        default: return tensor
        }
    }
}

extension ChannelsLastImages {
    /// act(flatten(images) W^T + b) from the channels-last values, for images whose NCHW values
    /// are pending (no gradients): the weight's columns are reordered from the NCHW order
    /// (c, p) to the channels-last order (p, c), which gives the same sums (in another order)
    /// without making the NCHW copy.
    /// Shapes: images [N, C, H, W], weight [out, C*H*W], bias [out] -> [N, out].
    func flattenedLinear(weight: Tensor, bias: Tensor?, activation: Activation) -> Tensor {
        let n = shape[0], channels = shape[1], plane = shape[2] * shape[3], fin = channels * plane, fout = weight.shape[0]
        require(weight.rank == 2 && weight.shape[1] == fin,
                "linear: flattened images \(shape) do not fit weight \(weight.shape) (want [out, \(fin)])")
        if let bias { require(bias.shape == [fout], "linear: bias \(bias.shape) for weight \(weight.shape)") }
        let reordered = Tensor(uninitialized: [fout, fin])
        let w = weight.data, wr = reordered.data
        parallelRanges(fout, grain: Swift.max(1, (1 << 15) / Swift.max(fin, 1))) { lo, hi in
            for o in lo..<hi {
                transposeInto(w + o * fin, srcStride: plane, rows: channels, cols: plane, wr + o * fin, dstStride: channels)
            }
        }
        let y = Tensor(uninitialized: [n, fout])
        poolGEMM(transA: false, transB: true, m: n, n: fout, k: fin,
                 a: channelsLast.data, lda: fin, b: wr, ldb: fin, beta: 0, c: y.data, ldc: fout)
        activation.applyRows(y.data, bias: bias?.data, rows: n, length: fout)
        return y
    }
}

/// dst [N, C, P] = the transpose of each image of src [N, P, C], images spread over the pool.
func nchwFromChannelsLast(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, images: Int, plane: Int, channels: Int) {
    parallelRanges(images, grain: 1) { lo, hi in
        for b in lo..<hi {
            transposeInto(src + b * plane * channels, srcStride: channels, rows: plane, cols: channels,
                          dst + b * plane * channels, dstStride: plane)
        }
    }
}

/// dst [N, P, C] = the transpose of each image of src [N, C, P]: the inverse of `nchwFromChannelsLast`.
func channelsLastFromNCHW(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, images: Int, plane: Int, channels: Int) {
    parallelRanges(images, grain: 1) { lo, hi in
        for b in lo..<hi {
            transposeInto(src + b * plane * channels, srcStride: plane, rows: channels, cols: plane,
                          dst + b * plane * channels, dstStride: channels)
        }
    }
}
