import Testing
@testable import RDACore
import Foundation
import RDATestSupport

/// Layer + activation ops, blocked convolutions and lazily cleared gradients against the plain
/// composition of primitives.
@Suite("Fused ops")
struct FusedOpTests {
    /// Values and input gradients of `f` (probed with fixed random weights on the output).
    func run(_ inputs: [Tensor], seed: UInt64 = 5, _ f: ([Tensor]) -> Tensor) -> [[Float]] {
        for x in inputs { x.requiringGrad(); x.zeroGrad() }
        let y = f(inputs)
        var rng = SeededGenerator(seed: seed)
        let r = Tensor.randomNormal(y.shape, using: &rng)
        (y * r).sum().backward()
        return [y.values] + inputs.map { $0.grad!.values }
    }

    func expectSame(_ a: [[Float]], _ b: [[Float]], rtol: Float = 1e-5, atol: Float = 1e-6,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        for (x, y) in zip(a, b) { expectClose(x, y, rtol: rtol, atol: atol, sourceLocation: sourceLocation) }
    }

    @Test(arguments: Activation.allCases)
    func linearWithActivation(_ act: Activation) {
        let x = random([5, 7], seed: 1), w = random([4, 7], seed: 2), b = random([4], seed: 3)
        let fused = run([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2], activation: act) }
        let plain = run([x, w, b]) { t in
            let y = Tensor.linear(t[0], weight: t[1], bias: t[2])
            switch act { case .identity: return y; case .relu: return y.relu(); case .sigmoid: return y.sigmoid() }
        }
        expectSame(fused, plain)
        checkGradients([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2], activation: act == .relu ? .sigmoid : act) }
    }

    /// Batches large enough for several blocks, some of one image and some of several.
    @Test(arguments: Activation.allCases)
    func blockedConvolutionsMatchDirect(_ act: Activation) {
        let conv = MatMulConvTests()
        for batch in [1, 5, 9] {
            let x = random([batch, 32, 14, 14], seed: 10), w = random([64, 32, 4, 4], -0.1, 0.1, seed: 11), b = random([64], seed: 12)
            let y = Tensor.conv2d(x, weight: w, bias: b, stride: 2, padding: 1)
            expectClose(y.values, conv.naiveConv(x, w, b, stride: 2, padding: 1), rtol: 1e-4, atol: 1e-4)
            let fused = run([x, w, b]) { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, activation: act) }
            let plain = run([x, w, b]) { t in
                let y = Tensor.conv2d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 1)
                switch act { case .identity: return y; case .relu: return y.relu(); case .sigmoid: return y.sigmoid() }
            }
            expectSame(fused, plain, rtol: 1e-5, atol: 1e-5)

            // the transposed convolution is the adjoint of the convolution, block by block too
            let u = random([batch, 64, 7, 7], seed: 13), wt = random([64, 32, 4, 4], -0.1, 0.1, seed: 14)
            let v = Tensor.convTranspose2d(u, weight: wt, bias: nil, stride: 2, padding: 1)
            let back = Tensor.conv2d(v, weight: wt, bias: nil, stride: 2, padding: 1)
            let lhs = zip(v.values, v.values).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            let rhs = zip(u.values, back.values).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            #expect(Swift.abs(lhs - rhs) <= 1e-4 * Swift.max(1, Swift.abs(lhs)))
            let bt = random([32], seed: 15)
            let fusedT = run([u, wt, bt]) { Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, activation: act) }
            let plainT = run([u, wt, bt]) { t in
                let y = Tensor.convTranspose2d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 1)
                switch act { case .identity: return y; case .relu: return y.relu(); case .sigmoid: return y.sigmoid() }
            }
            expectSame(fusedT, plainT, rtol: 1e-5, atol: 1e-5)
        }
    }

    /// Wide kernel rows take the in-place `DirectConv` kernel (forward of conv2d, input
    /// gradient of convTranspose2d): against finite differences and against the adjoint.
    @Test func directKernelPathsMatchFiniteDifferencesAndTheAdjoint() {
        let x = random([2, 8, 6, 5], seed: 40), w = random([5, 8, 4, 4], -0.3, 0.3, seed: 41), b = random([5], seed: 42)
        checkGradients([x, w, b]) { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1) }
        let u = random([3, 8, 3, 4], seed: 43), wt = random([8, 8, 4, 4], -0.3, 0.3, seed: 44)
        checkGradients([u, wt]) { Tensor.convTranspose2d($0[0], weight: $0[1], bias: nil, stride: 2, padding: 1) }
        // channel counts that are multiples of 16: the gradient and the transposed convolution's
        // input are used channels-last as they are (no separate panels)
        let x16 = random([2, 16, 6, 6], seed: 46), w16 = random([16, 16, 4, 4], -0.2, 0.2, seed: 47)
        checkGradients([x16, w16]) { Tensor.conv2d($0[0], weight: $0[1], bias: nil, stride: 2, padding: 1) }
        let u16 = random([2, 16, 3, 3], seed: 48), wt16 = random([16, 16, 4, 4], -0.2, 0.2, seed: 49)
        checkGradients([u16, wt16]) { Tensor.convTranspose2d($0[0], weight: $0[1], bias: nil, stride: 2, padding: 1) }
        // one output channel: kernel rows of 4 floats, scattered in pieces
        let u1 = random([2, 8, 3, 3], seed: 52), wt1 = random([8, 1, 4, 4], -0.3, 0.3, seed: 53), bt1 = random([1], seed: 54)
        checkGradients([u1, wt1, bt1]) {
            Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, activation: .sigmoid)
        }
        let v1 = withoutGradients { Tensor.convTranspose2d(u1, weight: wt1, bias: nil, stride: 2, padding: 1) }
        let back1 = withoutGradients { Tensor.conv2d(v1, weight: wt1, bias: nil, stride: 2, padding: 1) }
        let l1 = zip(v1.values, v1.values).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let r1 = zip(u1.values, back1.values).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        #expect(Swift.abs(l1 - r1) <= 1e-4 * Swift.max(1, Swift.abs(l1)))
        // d/du <convT(u), r> = conv2d(r) with the same weights
        u.requiringGrad(); u.zeroGrad()
        let y = Tensor.convTranspose2d(u, weight: wt, bias: nil, stride: 2, padding: 1)
        let r = random(y.shape, seed: 45)
        (y * r).sum().backward()
        let want = withoutGradients { Tensor.conv2d(r, weight: wt, bias: nil, stride: 2, padding: 1) }
        expectClose(u.grad!.values, want.values, rtol: 1e-4, atol: 1e-5)
    }

    /// A long reduction with a small result is split along k over the pool's threads: same
    /// values as a plain sum, gradients included.
    @Test func longReductionProducts() {
        let (m, n, k) = (16, 24, 8192)
        let x = random([m, k], -1, 1, seed: 50), w = random([n, k], -1, 1, seed: 51)
        let y = Tensor.linear(x, weight: w, bias: nil)
        var want = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var acc = 0.0
            for p in 0..<k { acc += Double(x.data[i * k + p]) * Double(w.data[j * k + p]) }
            want[i * n + j] = Float(acc)
        } }
        expectClose(y.values, want, rtol: 1e-4, atol: 1e-3)
        // d/dw of sum(y * r) = r^T x (a product with k = m, not split) against the split forward's adjoint
        let fused = run([x, w]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
        let plain = run([x, w]) { Tensor.matmul($0[0], $0[1], transposeB: true) }
        expectSame(fused, plain, rtol: 1e-4, atol: 1e-4)
    }

    /// Convolutions hand their output channels-last to the next one (`LayerOutput.images`);
    /// without gradients the NCHW values are made only when read. Either way every value must be
    /// the same.
    @Test func channelsLastHandOffGivesTheSameValues() {
        let x = random([3, 16, 8, 8], seed: 60)
        let w1 = random([32, 16, 4, 4], -0.1, 0.1, seed: 61), b1 = random([32], seed: 62)
        let w2 = random([16, 32, 4, 4], -0.1, 0.1, seed: 63)
        let wt = random([16, 32, 4, 4], -0.1, 0.1, seed: 64), wt2 = random([32, 16, 4, 4], -0.1, 0.1, seed: 65)
        func chain() -> [[Float]] {
            let y1 = Convolutions.conv2d(.tensor(x), weight: w1, bias: b1, stride: 2, padding: 1, activation: .relu)   // [3, 32, 4, 4]
            let y2 = Convolutions.conv2d(y1, weight: w2, bias: nil, stride: 2, padding: 1, activation: .identity)        // [3, 16, 2, 2]
            let t1 = Convolutions.convTranspose2d(y2, weight: wt, bias: nil, stride: 2, padding: 1, outputPadding: 0,
                                                  activation: .relu)                                                 // [3, 32, 4, 4]
            let t2 = Convolutions.convTranspose2d(t1, weight: wt2, bias: nil, stride: 2, padding: 1, outputPadding: 0,
                                                  activation: .identity)                                             // [3, 16, 8, 8]
            let flat = Flatten().forward(t1, activation: .identity)   // flattened (maybe pending) images
            return [t2.tensor.values, y2.tensor.values, y1.tensor.values, t1.tensor.values, flat.tensor.values]
        }
        w1.requiringGrad()
        let recorded = chain()
        let evaluated = withoutGradients { chain() }
        for (a, b) in zip(evaluated, recorded) { expectClose(a, b, rtol: 1e-6, atol: 1e-6) }
        // against the plain path: every convolution from NCHW values (relu as a separate op)
        let y1 = withoutGradients { Tensor.conv2d(x, weight: w1, bias: b1, stride: 2, padding: 1).relu() }
        expectClose(y1.values, recorded[2], rtol: 1e-6, atol: 1e-6)
        let y2 = withoutGradients { Tensor.conv2d(y1, weight: w2, bias: nil, stride: 2, padding: 1) }
        expectClose(y2.values, recorded[1], rtol: 1e-5, atol: 1e-6)
    }

    /// One output channel (the decoder's last layer): the bias and activation run over whole
    /// images after the rows are copied out; same values and gradients as the plain ops, with
    /// and without gradients recorded.
    @Test(arguments: Activation.allCases)
    func oneChannelTransposedConvolution(_ act: Activation) {
        let u = random([5, 32, 7, 7], seed: 70), w = random([32, 1, 4, 4], -0.2, 0.2, seed: 71), b = random([1], seed: 72)
        func plain(_ t: [Tensor]) -> Tensor {
            let y = Tensor.convTranspose2d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 1)
            switch act { case .identity: return y; case .relu: return y.relu(); case .sigmoid: return y.sigmoid() }
        }
        let fused = run([u, w, b]) { Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, activation: act) }
        expectSame(fused, run([u, w, b]) { plain($0) }, rtol: 1e-5, atol: 1e-6)
        let evaluated = withoutGradients { Tensor.convTranspose2d(u, weight: w, bias: b, stride: 2, padding: 1, activation: act) }
        expectClose(evaluated.values, fused[0], rtol: 1e-6, atol: 1e-7)
    }

    /// A linear layer on flattened convolution output: without gradients it multiplies the
    /// channels-last values by reordered weights (the NCHW copy is never made). Same values as
    /// the recorded path, which reads the NCHW values; the image stays readable afterwards.
    @Test(arguments: [1, 3])
    func linearReadsFlattenedChannelsLastImages(_ batch: Int) {
        let x = random([batch, 16, 8, 8], seed: 80), w1 = random([32, 16, 4, 4], -0.1, 0.1, seed: 81)
        let w = random([5, 32 * 16], seed: 82), b = random([5], seed: 83)
        var rng = SeededGenerator(seed: 84)
        let linear = Linear(32 * 16, 5, rng: &rng)
        linear.weight.assign(w); linear.bias!.assign(b)
        func chain() -> (image: Tensor, out: Tensor) {
            let y = Convolutions.conv2d(.tensor(x), weight: w1, bias: nil, stride: 2, padding: 1, activation: .relu)   // [N, 32, 4, 4]
            let out = linear.forward(Flatten().forward(y, activation: .identity), activation: .sigmoid).tensor
            // without gradients the linear layer read the channels-last values only
            if case .images(let images) = y { #expect(images.isPending == !GradMode.isEnabled) } else { Issue.record("not channels-last") }
            return (y.tensor, out)
        }
        let evaluated = withoutGradients { chain() }
        w.requiringGrad()
        let recorded = chain()
        expectClose(evaluated.out.values, recorded.out.values, rtol: 1e-5, atol: 1e-6)
        expectClose(evaluated.image.values, recorded.image.values, rtol: 1e-6, atol: 1e-7)
    }

    @Test func sequentialFusesOnlyWhileFusionIsOn() {
        var rng = SeededGenerator(seed: 20)
        let net = Sequential(Linear(6, 5, rng: &rng), ReLU(), Linear(5, 3, rng: &rng), Sigmoid())
        let x = random([4, 6], seed: 21)
        func grads() -> [[Float]] {
            for p in net.parameters { p.zeroGrad() }
            let y = net(x)
            (y * y).sum().backward()
            return [y.values] + net.parameters.map { $0.grad!.values }
        }
        expectSame(grads(), withoutFusion { grads() })
        #expect(Fusion.isEnabled)
        #expect(withoutFusion { Fusion.isEnabled } == false)
    }

    @Test func zeroGradReadsAsZerosAndIsOverwritten() {
        let w = random([3, 2], seed: 30).requiringGrad()
        let x = random([4, 3], seed: 31)
        let first = Tensor.matmul(x, w).sum()
        first.backward()
        let g1 = w.grad!.values
        w.zeroGrad()
        #expect(w.grad!.values.allSatisfy { $0 == 0 })
        w.zeroGrad()
        Tensor.matmul(x, w).sum().backward()
        expectClose(w.grad!.values, g1)          // overwritten, not added to stale values
        Tensor.matmul(x, w).sum().backward()
        expectClose(w.grad!.values, g1.map { 2 * $0 })   // a second pass accumulates
    }
}

@Suite("Vector math")
struct VectorMathTests {
    @Test func expIsWithinTwoUlpOfLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88.3 {
            let v = VectorMath.exp(SIMD8<Float>(repeating: x) + SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7) * 1e-3)
            for l in 0..<8 {
                let xi = x + Float(l) * 1e-3
                let want = Float(Foundation.exp(Double(xi)))
                worst = Swift.max(worst, Swift.abs(v[l] - want) / want.ulp)
            }
            x += 0.0371
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        let special = VectorMath.exp(SIMD8<Float>(0, -200, 200, .nan, -.infinity, .infinity, 1, -1))
        #expect(special[0] == 1)
        #expect(special[1] >= 0 && special[1] < 1e-37)
        #expect(special[2].isFinite && special[2] > 1e38)
        #expect(special[3].isNaN)
        #expect(special[4] >= 0 && special[4] < 1e-37)
        #expect(special[6] == Float(M_E) || Swift.abs(special[6] - Float(M_E)) <= Float(M_E).ulp)
    }

    /// The buffer form: every length (whole vectors and a ragged tail), with a scale, in place.
    @Test func expOverBuffersCoversEveryElement() {
        for count in [1, 7, 8, 9, 23, 32] {
            let x = (0..<count).map { Float($0) * 0.37 - 3 }
            var out = [Float](repeating: .nan, count: count)
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { VectorMath.exp(xp.baseAddress!, scale: 0.5, count: count, into: $0.baseAddress!) }
            }
            for i in 0..<count {
                let want = Float(Foundation.exp(Double(0.5 * x[i])))
                #expect(Swift.abs(out[i] - want) <= 2 * want.ulp, "count \(count), i \(i): \(out[i]) vs \(want)")
            }
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer { VectorMath.exp($0.baseAddress!, count: count, into: $0.baseAddress!) }
            #expect(zip(inPlace, x).allSatisfy { Swift.abs($0 - Float(Foundation.exp(Double($1)))) <= 2 * $0.ulp })
        }
    }

    @Test func sigmoidMatchesScalar() {
        for x in stride(from: Float(-60), through: 60, by: 0.173) {
            let v = VectorMath.sigmoid(SIMD8<Float>(repeating: x))
            let want = Scalar.sigmoid(x)
            #expect(Swift.abs(v[0] - want) <= 4 * want.ulp, "sigmoid(\(x)): \(v[0]) vs \(want)")
        }
    }
}

@Suite("Seeded normals in parallel")
struct ParallelNormalTests {
    /// Large fills run in chunks on the pool; the values and the generator's state afterwards
    /// must be those of one draw after another.
    @Test(arguments: [4096, 10_001, 32_000, 3])
    func chunkedFillEqualsSerial(_ count: Int) {
        var a = SeededGenerator(seed: 77), b = SeededGenerator(seed: 77)
        let x = Tensor.randomNormal([count], using: &a)
        var serial = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {   // Box-Muller pairs, as documented on fillNormal
            let u1 = 1.0 - b.nextDouble(), u2 = b.nextDouble()
            let r = (-2.0 * Foundation.log(u1)).squareRoot(), t = 2.0 * Double.pi * u2
            serial[i] = Float(r * Foundation.cos(t))
            if i + 1 < count { serial[i + 1] = Float(r * Foundation.sin(t)) }
            i += 2
        }
        #expect(x.values == serial)
        #expect(a.next() == b.next())
    }
}
