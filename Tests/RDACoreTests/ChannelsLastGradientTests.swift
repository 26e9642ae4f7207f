import Testing
@testable import RDACore

/// Gradients handed between convolutions channels-last (`ChannelsLastGradient`): the same bits as
/// the NCHW path (the consumer fed a plain NCHW copy, `y * 1`, whose gradient comes back NCHW),
/// with one consumer and with a channels-last and an NCHW contribution to one output; the
/// channels-last bias sums against `channelSums`; the padded rows' adjoint against its formula.
@Suite("Channels-last gradients")
struct ChannelsLastGradientTests {
    /// x * 1: the same values as a new node that takes its gradient NCHW only.
    func plain(_ x: Tensor) -> Tensor { x * Tensor(shape: x.shape, repeating: 1) }

    /// The bias gradient summed from [N, P, C] has the bits of `channelSums` on [N, C, P]
    /// (planes with and without a tail of fewer than 8 pixels, overwriting and adding).
    @Test(arguments: [(2, 16, 13), (3, 64, 64), (1, 32, 7), (2, 48, 1024), (4, 3, 9)])
    func channelSumsHaveTheNCHWBits(_ n: Int, _ c: Int, _ p: Int) {
        let x = random([n, c, p], seed: 1), cl = Tensor(zeros: [n, p, c])
        channelsLastFromNCHW(x.data, into: cl.data, images: n, plane: p, channels: c)
        for first in [true, false] {
            let start = random([c], seed: 2)
            let want = Tensor(shape: [c], values: start.values), got = Tensor(shape: [c], values: start.values)
            channelSums(x.data, images: n, channels: c, plane: p, into: want.data, first: first)
            channelSumsChannelsLast(cl.data, images: n, channels: c, plane: p, into: got.data, first: first)
            #expect(got.values == want.values, "first: \(first)")
        }
    }

    /// nhwc[b, h, w, c] (+)= padded[b, h + pad, w + pad, c]: every value against the index formula.
    @Test func paddedRowsBackToChannelsLast() {
        let geo = ConvGeometry(channels: 16, height: 5, width: 6, kernelH: 4, kernelW: 4, stride: 2, padding: 1)
        let n = 2, padded = random([n * geo.paddedImage], seed: 3), start = random([n, 5, 6, 16], seed: 4)
        for accumulate in [false, true] {
            let out = Tensor(shape: start.shape, values: start.values)
            geo.fromPaddedNHWC(padded.data, images: n, channelsLast: out.data, accumulate: accumulate)
            for b in 0..<n { for h in 0..<5 { for w in 0..<6 { for c in 0..<16 {
                let i = ((b * 5 + h) * 6 + w) * 16 + c
                let v = padded.data[b * geo.paddedImage + ((h + 1) * geo.paddedW + w + 1) * 16 + c]
                let want = accumulate ? start.data[i] + v : v
                if out.data[i] != want { Issue.record("[\(b), \(h), \(w), \(c)] accumulate \(accumulate)"); return }
            } } } }
        }
    }

    /// Two convolutions (32 then 16 channels, ReLU) and two transposed ones: the gradients the
    /// second hands the first channels-last give the bits of the NCHW path, values and every
    /// parameter's gradient, also with the first output used a second time (an NCHW
    /// contribution added to the channels-last one).
    @Test(arguments: [false, true])
    func convolutionChainsHaveTheNCHWBits(_ usedTwice: Bool) {
        let x = random([3, 16, 8, 8], seed: 10)
        let w1 = random([32, 16, 4, 4], -0.1, 0.1, seed: 11), b1 = random([32], seed: 12)
        let w2 = random([16, 32, 4, 4], -0.1, 0.1, seed: 13), b2 = random([16], seed: 14)
        let wt1 = random([16, 32, 4, 4], -0.1, 0.1, seed: 15), bt1 = random([32], seed: 16)
        let wt2 = random([32, 16, 4, 4], -0.1, 0.1, seed: 17), bt2 = random([16], seed: 18)
        let r = random([3, 16, 8, 8], seed: 19), r1 = random([3, 32, 4, 4], seed: 20), rt = random([3, 32, 4, 4], seed: 21)
        let parameters = [x, w1, b1, w2, b2, wt1, bt1, wt2, bt2]
        func run(handOff: Bool) -> [[Float]] {
            for t in parameters { t.requiringGrad(); t.zeroGrad() }
            let y1 = Convolutions.conv2d(.tensor(x), weight: w1, bias: b1, stride: 2, padding: 1, activation: .relu)
            let y2 = Convolutions.conv2d(handOff ? y1 : .tensor(plain(y1.tensor)), weight: w2, bias: b2, stride: 2,
                                         padding: 1, activation: .relu)
            let t1 = Convolutions.convTranspose2d(handOff ? y2 : .tensor(plain(y2.tensor)), weight: wt1, bias: bt1,
                                                  stride: 2, padding: 1, outputPadding: 0, activation: .relu)
            let t2 = Convolutions.convTranspose2d(handOff ? t1 : .tensor(plain(t1.tensor)), weight: wt2, bias: bt2,
                                                  stride: 2, padding: 1, outputPadding: 0, activation: .sigmoid)
            var loss = (t2.tensor * r).sum()
            if usedTwice { loss = loss + (y1.tensor * r1).sum() + (t1.tensor * rt).sum() }
            loss.backward()
            return [t2.tensor.values] + parameters.map { $0.grad!.values }
        }
        let handedOff = run(handOff: true), nchw = run(handOff: false)
        #expect(handedOff.count == nchw.count)
        for (i, (a, b)) in zip(handedOff, nchw).enumerated() { #expect(a == b, "output or gradient \(i) differs") }
    }

    /// Recording keeps a convolution's NCHW output pending when the next one reads it
    /// channels-last, and it is made (right) when something asks for it after all.
    @Test func recordedOutputStaysPendingUntilRead() {
        let x = random([2, 16, 8, 8], seed: 30), w = random([32, 16, 4, 4], -0.1, 0.1, seed: 31).requiringGrad()
        let y = Convolutions.conv2d(.tensor(x), weight: w, bias: nil, stride: 2, padding: 1, activation: .relu)
        guard case .images(let images) = y else { Issue.record("32 output channels come out channels-last"); return }
        #expect(images.isPending)
        let plainY = withoutGradients { Tensor.conv2d(x, weight: w, bias: nil, stride: 2, padding: 1, activation: .relu) }
        #expect(y.tensor.values == plainY.values)
        #expect(!images.isPending)
    }
}
