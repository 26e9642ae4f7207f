import Testing
import Foundation
import RDACore

@Suite("Layers, optimizers, randomness")
struct LayerOptimTests {
    @Test func sequentialNamesAreDottedAndStable() {
        var rng = SeededGenerator(seed: 1)
        let net = Sequential(Linear(4, 3, rng: &rng), ReLU(), Linear(3, 2, rng: &rng))
        #expect(net.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(prefixed("encoder", net.namedParameters)[0].name == "encoder.0.weight")
        #expect(net.parameterCount == 4 * 3 + 3 + 3 * 2 + 2)
    }

    @Test func pytorchDefaultInitBounds() {
        var rng = SeededGenerator(seed: 2)
        let lin = Linear(100, 50, rng: &rng)
        let bound = 1 / Float(100).squareRoot()
        #expect(lin.weight.values.allSatisfy { Swift.abs($0) <= bound })
        #expect(lin.weight.values.map { Swift.abs($0) }.max()! > 0.9 * bound)
        let conv = ConvTranspose2d(64, 32, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
        let cb = 1 / Float(32 * 16).squareRoot()
        #expect(conv.weight.shape == [64, 32, 4, 4])
        #expect(conv.weight.values.allSatisfy { Swift.abs($0) <= cb })
    }

    @Test func adamFirstStepMovesByLearningRate() {
        let p = Tensor(shape: [3], values: [1, 2, 3]).requiringGrad()
        let opt = Adam([p], learningRate: 0.1)
        (p * Tensor(shape: [3], values: [2, -0.5, 0])).sum().backward()
        opt.step()
        // step 1: m_hat = g, v_hat = g^2, so each moves by -lr * g / (|g| + eps)
        expectClose(p.values, [0.9, 2.1, 3], rtol: 1e-6)
        // second step with the same gradient: m_hat = g, v_hat = g^2 again
        opt.step()
        expectClose(p.values, [0.8, 2.2, 3], rtol: 1e-6)
    }

    @Test func sgdAndClipping() {
        let p = Tensor(shape: [2], values: [1, 1]).requiringGrad()
        (p * Tensor(shape: [2], values: [3, 4])).sum().backward()
        let norm = clipGradientNorm([p], maxNorm: 1)
        #expect(norm == 5)
        expectClose(p.grad!.values, [0.6, 0.8])
        SGD([p], learningRate: 1).step()
        expectClose(p.values, [0.4, 0.2])
    }

    @Test func seededGeneratorIsReproducibleAndNormal() {
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7), c = SeededGenerator(seed: 8)
        let xa = (0..<5).map { _ in a.next() }, xb = (0..<5).map { _ in b.next() }, xc = (0..<5).map { _ in c.next() }
        #expect(xa == xb && xa != xc)
        var r = SeededGenerator(seed: 3)
        let t = Tensor.randomNormal([100_000], using: &r)
        let mean = t.values.reduce(0.0) { $0 + Double($1) } / 100_000
        let variance = t.values.reduce(0.0) { $0 + Double($1) * Double($1) } / 100_000 - mean * mean
        #expect(Swift.abs(mean) < 0.02 && Swift.abs(variance - 1) < 0.02)
        #expect(r.permutation(10).sorted() == Array(0..<10))
    }
}
