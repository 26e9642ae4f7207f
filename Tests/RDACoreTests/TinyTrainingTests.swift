import Testing
import Foundation
import RDACore

@Suite("Tiny seeded training runs learn")
struct TinyTrainingTests {
    @Test func mlpLearnsANonlinearFunction() {
        // y = sin(3 x1) * x2 on [-1, 1]^2: a linear model can't get below about 0.1 MSE here.
        var rng = SeededGenerator(seed: 11)
        let n = 256
        let x = Tensor.randomUniform([n, 2], low: -1, high: 1, using: &rng)
        let y = Tensor(shape: [n, 1], values: (0..<n).map { Foundation.sin(3 * x.data[2 * $0]) * x.data[2 * $0 + 1] })
        let net = Sequential(Linear(2, 32, rng: &rng), Tanh(), Linear(32, 32, rng: &rng), Tanh(), Linear(32, 1, rng: &rng))
        let opt = Adam(net.parameters, learningRate: 1e-2)
        let first = Tensor.mseLoss(net(x), y).scalar
        var last: Float = 0
        for _ in 0..<600 {
            opt.zeroGrad()
            let loss = Tensor.mseLoss(net(x), y)
            loss.backward()
            opt.step()
            last = loss.scalar
        }
        #expect(first > 0.05)
        #expect(last < 0.005, "final MSE \(last) (started at \(first))")
    }

    @Test func convAutoencoderFitsSmallImages() {
        // 16 images of 8x8 with one bright square each; a conv/convT autoencoder must reconstruct them.
        var rng = SeededGenerator(seed: 12)
        let n = 16
        var pixels = [Float](repeating: 0, count: n * 64)
        for i in 0..<n {
            let r = Int(rng.next() % 5), c = Int(rng.next() % 5)
            for dr in 0..<3 { for dc in 0..<3 { pixels[i * 64 + (r + dr) * 8 + c + dc] = 1 } }
        }
        let x = Tensor(shape: [n, 1, 8, 8], values: pixels)
        let net = Sequential(
            Conv2d(1, 8, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
            Conv2d(8, 8, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
            ConvTranspose2d(8, 8, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
            ConvTranspose2d(8, 1, kernelSize: 4, stride: 2, padding: 1, rng: &rng))
        let opt = Adam(net.parameters, learningRate: 1e-2)
        let first = Tensor.binaryCrossEntropy(logits: net(x), targets: x).scalar
        var last: Float = 0
        for _ in 0..<300 {
            opt.zeroGrad()
            let loss = Tensor.binaryCrossEntropy(logits: net(x), targets: x)
            loss.backward()
            opt.step()
            last = loss.scalar
        }
        #expect(last < 0.1 * first, "final BCE \(last) (started at \(first))")
    }
}
