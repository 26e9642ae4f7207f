import Testing
@testable import RDACore
import RDATestSupport

/// The convolutions' layout owner (`ChannelsLastImages`, `LayerOutput`): the layout changes
/// against their index formulas, and convolutions fed channels-last against the same
/// convolutions fed NCHW (identical bits: the layout changes only where values are read from)
/// and against a direct implementation.
@Suite("Channels-last images")
struct ChannelsLastImagesTests {
    /// [N, C, P] <-> [N, P, C] against cl[b, q, c] = x[b, c, q], for shapes with and without
    /// whole 8 x 8 tiles; the round trip gives back every bit.
    @Test(arguments: [(2, 5, 13), (3, 16, 49), (1, 1, 9), (2, 32, 196), (1, 9, 8)])
    func nchwChannelsLastRoundTrip(_ n: Int, _ c: Int, _ p: Int) {
        let x = random([n, c, p], seed: 1)
        let cl = Tensor(zeros: [n, p, c]), back = Tensor(zeros: [n, c, p])
        channelsLastFromNCHW(x.data, into: cl.data, images: n, plane: p, channels: c)
        for b in 0..<n { for ch in 0..<c { for q in 0..<p where cl.data[(b * p + q) * c + ch] != x.data[(b * c + ch) * p + q] {
            Issue.record("channels-last [\(b), \(q), \(ch)] differs from NCHW [\(b), \(ch), \(q)]")
            return
        } } }
        nchwFromChannelsLast(cl.data, into: back.data, images: n, plane: p, channels: c)
        #expect(back.values == x.values)
    }

    /// A deferred NCHW copy is pending until read, then holds the transposed values.
    @Test func deferredNCHWIsMadeOnFirstRead() {
        let (n, c, h, w) = (2, 16, 3, 5)
        let cl = random([n, h, w, c], seed: 2)
        let images = ChannelsLastImages(nchw: Tensor(uninitialized: [n, c, h, w]), channelsLast: cl, deferred: true)
        #expect(images.isPending)
        let nchw = images.nchw
        #expect(!images.isPending)
        for b in 0..<n { for ch in 0..<c { for q in 0..<(h * w) where nchw.data[(b * c + ch) * h * w + q] != cl.data[(b * h * w + q) * c + ch] {
            Issue.record("NCHW [\(b), \(ch), \(q)] is not channels-last [\(b), \(q), \(ch)]")
            return
        } } }
        #expect(images.nchw === nchw)
    }

    /// y[n, o, i, j] = b[o] + sum over c, p, q of w[c, o, p, q] x[n, c, (i + pad - p) / s, ...]
    /// over the input pixels that reach (i, j): the transposed convolution written as a scatter.
    func naiveConvTranspose(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding pad: Int) -> [Float] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        let oh = (h - 1) * s - 2 * pad + kh, ow = (wd - 1) * s - 2 * pad + kw
        var y = [Double](repeating: 0, count: n * o * oh * ow)
        for ni in 0..<n { for ci in 0..<c { for i in 0..<h { for j in 0..<wd { for oi in 0..<o { for p in 0..<kh { for q in 0..<kw {
            let ii = i * s - pad + p, jj = j * s - pad + q
            guard ii >= 0 && ii < oh && jj >= 0 && jj < ow else { continue }
            y[((ni * o + oi) * oh + ii) * ow + jj] += Double(w.data[((ci * o + oi) * kh + p) * kw + q]) * Double(x.data[((ni * c + ci) * h + i) * wd + j])
        } } } } } } }
        if let b { for ni in 0..<n { for oi in 0..<o { for q in 0..<(oh * ow) { y[(ni * o + oi) * oh * ow + q] += Double(b.data[oi]) } } } }
        return y.map { Float($0) }
    }

    /// The encoder's two convolutions: the second one fed the first one's channels-last values
    /// gives the bits it gives fed NCHW, values and gradients; without gradients the first one's
    /// NCHW copy is never made.
    @Test func convolutionFedChannelsLastGivesTheSameBits() {
        let x = random([3, 1, 12, 12], seed: 10)
        let w1 = random([32, 1, 4, 4], -0.3, 0.3, seed: 11), b1 = random([32], seed: 12)
        let w2 = random([16, 32, 4, 4], -0.1, 0.1, seed: 13), b2 = random([16], seed: 14)
        let r = random([3, 16, 3, 3], seed: 15)
        func grads(handOff: Bool) -> [[Float]] {
            for t in [w1, b1, w2, b2] { t.requiringGrad(); t.zeroGrad() }
            let y1 = Convolutions.conv2d(.tensor(x), weight: w1, bias: b1, stride: 2, padding: 1, activation: .relu)
            guard case .images(let images) = y1 else { Issue.record("32 output channels come out channels-last"); return [] }
            #expect(images.isPending)    // recorded too: the backward pass works channels-last
            let y2 = Convolutions.conv2d(handOff ? y1 : .tensor(y1.tensor), weight: w2, bias: b2, stride: 2, padding: 1, activation: .sigmoid)
            (y2.tensor * r).sum().backward()
            return [y2.tensor.values] + [w1, b1, w2, b2].map { $0.grad!.values }
        }
        #expect(grads(handOff: true) == grads(handOff: false))

        withoutGradients {
            let y1 = Convolutions.conv2d(.tensor(x), weight: w1, bias: b1, stride: 2, padding: 1, activation: .relu)
            guard case .images(let images) = y1 else { Issue.record("32 output channels come out channels-last"); return }
            #expect(images.isPending)
            let y2 = Convolutions.conv2d(y1, weight: w2, bias: b2, stride: 2, padding: 1, activation: .sigmoid).tensor
            #expect(images.isPending)    // the second convolution read only the channels-last values
            let plain = Tensor.conv2d(Tensor.conv2d(x, weight: w1, bias: b1, stride: 2, padding: 1, activation: .relu),
                                      weight: w2, bias: b2, stride: 2, padding: 1, activation: .sigmoid)
            #expect(y2.values == plain.values)
        }
    }

    /// The decoder's two transposed convolutions, the second fed the first one's channels-last
    /// values (and keeping them for its weight gradient): the same bits as fed NCHW, the first
    /// against a direct implementation, and gradients against finite differences.
    @Test func transposedConvolutionFedChannelsLastGivesTheSameBits() {
        let u = random([2, 16, 3, 3], seed: 20)
        let w1 = random([16, 32, 4, 4], -0.2, 0.2, seed: 21), b1 = random([32], seed: 22)
        let w2 = random([32, 1, 4, 4], -0.2, 0.2, seed: 23), b2 = random([1], seed: 24)
        let r = random([2, 1, 12, 12], seed: 25)
        func grads(handOff: Bool) -> [[Float]] {
            for t in [u, w1, b1, w2, b2] { t.requiringGrad(); t.zeroGrad() }
            let t1 = Convolutions.convTranspose2d(.tensor(u), weight: w1, bias: b1, stride: 2, padding: 1, outputPadding: 0, activation: .relu)
            #expect(t1.channelsLast != nil)
            let t2 = Convolutions.convTranspose2d(handOff ? t1 : .tensor(t1.tensor), weight: w2, bias: b2, stride: 2, padding: 1,
                                                  outputPadding: 0, activation: .sigmoid)
            (t2.tensor * r).sum().backward()
            return [t2.tensor.values] + [u, w1, b1, w2, b2].map { $0.grad!.values }
        }
        #expect(grads(handOff: true) == grads(handOff: false))

        let t1 = withoutGradients { Tensor.convTranspose2d(u, weight: w1, bias: b1, stride: 2, padding: 1) }
        expectClose(t1.values, naiveConvTranspose(u, w1, b1, stride: 2, padding: 1), rtol: 1e-4, atol: 1e-5)
        // (few input channels, to keep the differences cheap; sigmoid: smooth, where relu's kink
        // would trip them)
        let us = random([1, 2, 2, 3], seed: 26), ws = random([2, 32, 4, 4], -0.3, 0.3, seed: 27)
        checkGradients([us, ws, b1]) {
            Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, activation: .sigmoid)
        }
    }

    /// Flattened images whose NCHW values are pending go into a linear layer channels-last,
    /// with the weight's columns reordered: against the NCHW product in double precision.
    @Test func flattenedLinearMatchesTheNCHWProduct() {
        let (n, c, h, w, fout) = (3, 16, 3, 3, 5)
        let cl = random([n, h, w, c], seed: 30)
        let weight = random([fout, c * h * w], seed: 31), bias = random([fout], seed: 32)
        let images = ChannelsLastImages(nchw: Tensor(uninitialized: [n, c, h, w]), channelsLast: cl, deferred: true)
        let y = withoutGradients { images.flattenedLinear(weight: weight, bias: bias, activation: .relu) }
        #expect(images.isPending)
        let x = images.nchw
        var want = [Float]()
        for b in 0..<n { for o in 0..<fout {
            var acc = Double(bias.data[o])
            for k in 0..<(c * h * w) { acc += Double(weight.data[o * c * h * w + k]) * Double(x.data[b * c * h * w + k]) }
            want.append(Float(Swift.max(acc, 0)))
        } }
        expectClose(y.values, want, rtol: 1e-5, atol: 1e-5)
    }

    /// A `Sequential` of the conv encoder's layers (convolutions passing images channels-last,
    /// then flatten and linear) gives what the same layers give one by one with NCHW tensors:
    /// the same bits while recording, the same values up to the order of the last sums without.
    @Test func sequentialPassesImagesAndMatchesTheLayersOneByOne() {
        var rng = SeededGenerator(seed: 40)
        let layers: [Layer] = [
            Reshape([1, 8, 8]),
            Conv2d(1, 16, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
            Conv2d(16, 32, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
            Flatten(), Linear(32 * 2 * 2, 6, rng: &rng),
        ]
        let net = Sequential(layers)
        let x = random([5, 64], 0, 1, seed: 41)
        func oneByOne() -> Tensor {
            let conv1 = layers[1] as! Conv2d, conv2 = layers[3] as! Conv2d, linear = layers[6] as! Linear
            var y = x.reshaped([5, 1, 8, 8])
            y = Tensor.conv2d(y, weight: conv1.weight, bias: conv1.bias, stride: 2, padding: 1, activation: .relu)
            y = Tensor.conv2d(y, weight: conv2.weight, bias: conv2.bias, stride: 2, padding: 1, activation: .relu)
            return Tensor.linear(y.reshaped([5, -1]), weight: linear.weight, bias: linear.bias)
        }
        func grads(_ f: () -> Tensor) -> [[Float]] {
            for p in net.parameters { p.zeroGrad() }
            let y = f()
            (y * y).sum().backward()
            return [y.values] + net.parameters.map { $0.grad!.values }
        }
        #expect(grads { net(x) } == grads(oneByOne))
        let evaluated = withoutGradients { net(x) }, plain = withoutGradients { oneByOne() }
        expectClose(evaluated.values, plain.values, rtol: 1e-5, atol: 1e-6)
        expectClose(evaluated.values, withoutFusion { withoutGradients { net(x) } }.values, rtol: 1e-5, atol: 1e-6)
    }
}
