import Testing
import Foundation
import RDACore
import RDAModel

/// Speed never changes results: every fused kernel on the training path (layer + activation,
/// blocked convolutions, the reparameterization, the closed-form rate, the distortion) must give
/// the loss and gradients of the plain composition of primitives (`withoutFusion`) to within
/// float rounding.
@Suite("Fused kernels match the reference composition")
struct FusedKernelTests {
    /// Everything one training step computes before the update.
    struct StepResult {
        var loss: Float
        var rate: [Float], distortion: [Float], yHat: [Float]
        var gradients: [(name: String, values: [Float])]
    }

    func makeModel(_ arch: Architecture, distortion: DistortionKind, shape: [Int], widths: [Int], k: Int) -> RateDistortionAutoencoder {
        var rng = SeededGenerator(seed: 7)
        let cfg = ModelConfig(arch: arch, exampleShape: shape, latentDim: k, widths: widths,
                              distortion: distortion, lambda: 3, sigmoidOutput: arch != .linear, data: "test")
        return RateDistortionAutoencoder(config: cfg, rng: &rng)
    }

    func step(_ model: RateDistortionAutoencoder, _ y: Tensor, _ eps: Tensor) -> StepResult {
        for p in model.parameters { p.zeroGrad() }
        let f = model.forward(y, noise: eps)
        let loss = f.objective(lambda: model.config.lambda)
        loss.backward()
        return StepResult(loss: loss.scalar, rate: f.rate.values, distortion: f.distortion.values, yHat: f.yHat.values,
                          gradients: model.namedParameters.map { ($0.name, $0.tensor.grad?.values ?? []) })
    }

    /// |a - b| <= rtol * max(|a|, |b|) + atol * (largest |value| of the array).
    func expectClose(_ a: [Float], _ b: [Float], _ what: String, rtol: Float = 2e-4, atol: Float = 1e-5,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values", sourceLocation: sourceLocation)
        let scale = b.reduce(Float(0)) { Swift.max($0, Swift.abs($1)) }
        for i in 0..<Swift.min(a.count, b.count) {
            let err = Swift.abs(a[i] - b[i])
            if !(err <= rtol * Swift.max(Swift.abs(a[i]), Swift.abs(b[i])) + atol * scale) {
                Issue.record("\(what) element \(i): fused \(a[i]) vs reference \(b[i]) (scale \(scale))", sourceLocation: sourceLocation)
                return
            }
        }
    }

    @Test(arguments: [
        (Architecture.mlp, DistortionKind.l2), (.mlp, .l1), (.conv, .l2), (.conv, .l1), (.linear, .l2), (.resnet, .l2),
    ])
    func trainingStepMatchesReference(_ arch: Architecture, _ distortion: DistortionKind) {
        // 28x28 images and a batch of 5: the blocked convolutions then run blocks of several
        // images and of one image.
        let widths = arch == .conv || arch == .resnet ? [8, 16] : (arch == .mlp ? [48, 24] : [])
        let shape = [1, 28, 28], k = 6, n = 5
        var rng = SeededGenerator(seed: 11)
        let y = Tensor.randomUniform([n, 784], low: 0, high: 1, using: &rng)
        let eps = Tensor.randomNormal([n, k], using: &rng)
        let fusedModel = makeModel(arch, distortion: distortion, shape: shape, widths: widths, k: k)
        let referenceModel = makeModel(arch, distortion: distortion, shape: shape, widths: widths, k: k)
        // Two steps each: the second runs on gradients that zeroGrad() cleared lazily.
        var fused = step(fusedModel, y, eps)
        fused = step(fusedModel, y, eps)
        var reference = withoutFusion { step(referenceModel, y, eps) }
        reference = withoutFusion { step(referenceModel, y, eps) }
        #expect(Swift.abs(fused.loss - reference.loss) <= 1e-5 * Swift.abs(reference.loss), "loss \(fused.loss) vs \(reference.loss)")
        expectClose(fused.rate, reference.rate, "rate")
        expectClose(fused.distortion, reference.distortion, "distortion")
        expectClose(fused.yHat, reference.yHat, "y_hat")
        for (f, r) in zip(fused.gradients, reference.gradients) {
            #expect(f.name == r.name)
            #expect(!f.values.isEmpty, "\(f.name) has no gradient")
            expectClose(f.values, r.values, "gradient of \(f.name)", rtol: 1e-3, atol: 2e-5)
        }
    }

    @Test func closedFormRateMatchesComposition() {
        var rng = SeededGenerator(seed: 3)
        let mu = Tensor.randomNormal([7, 5], using: &rng).requiringGrad()
        let logvar = Tensor.randomUniform([7, 5], low: -6, high: 4, using: &rng).requiringGrad()
        let prior = Prior(kind: .standard, latentDim: 5)
        let weights = Tensor.randomNormal([7], using: &rng)
        func run() -> ([Float], [Float], [Float]) {
            mu.zeroGrad(); logvar.zeroGrad()
            let r = Rate.closedForm(mu: mu, logvar: logvar, prior: prior)
            (r * weights).sum().backward()
            return (r.values, mu.grad!.values, logvar.grad!.values)
        }
        let fused = run(), reference = withoutFusion { run() }
        expectClose(fused.0, reference.0, "rate", rtol: 1e-6, atol: 0)
        expectClose(fused.1, reference.1, "d rate / d mu", rtol: 1e-6, atol: 1e-7)
        expectClose(fused.2, reference.2, "d rate / d logvar", rtol: 1e-5, atol: 1e-7)
        // hand value: mu = 0, logvar = 0 gives KL 0 and a zero gradient
        let zero = Rate.standardNormalKL(mu: Tensor(zeros: [1, 3]), logvar: Tensor(zeros: [1, 3]))
        #expect(zero.values == [0])
    }

    // the distortions with a fused kernel and a composition (the discretized logistic has one
    // implementation, checked against finite differences in DiscretizedLogisticTests)
    @Test(arguments: DistortionKind.allCases.filter { $0.decoderOutputsPerDimension == 1 })
    func distortionMatchesComposition(_ kind: DistortionKind) {
        var rng = SeededGenerator(seed: 4)
        let y = Tensor.randomUniform([6, 33], low: 0, high: 1, using: &rng).requiringGrad()
        let yHat = Tensor.randomUniform([6, 33], low: 0, high: 1, using: &rng).requiringGrad()
        yHat.data[5] = y.data[5]   // e = 0: the L1 subgradient 0 on both paths
        let weights = Tensor.randomNormal([6], using: &rng)
        func run() -> ([Float], [Float], [Float]) {
            y.zeroGrad(); yHat.zeroGrad()
            let d = kind.perExample(y, yHat)
            (d * weights).sum().backward()
            return (d.values, y.grad!.values, yHat.grad!.values)
        }
        let fused = run(), reference = withoutFusion { run() }
        expectClose(fused.0, reference.0, "distortion", rtol: 1e-5, atol: 0)
        expectClose(fused.1, reference.1, "d distortion / d y", rtol: 1e-6, atol: 0)
        expectClose(fused.2, reference.2, "d distortion / d y_hat", rtol: 1e-6, atol: 0)
    }

    @Test func channelMatchesComposition() {
        var rng = SeededGenerator(seed: 5)
        let mu = Tensor.randomNormal([4, 3], using: &rng).requiringGrad()
        let logvar = Tensor.randomUniform([4, 3], low: -5, high: 3, using: &rng).requiringGrad()
        let eps = Tensor.randomNormal([4, 3], using: &rng).requiringGrad()
        let weights = Tensor.randomNormal([4, 3], using: &rng)
        func run() -> [[Float]] {
            for t in [mu, logvar, eps] { t.zeroGrad() }
            let z = Channel.transmit(mu: mu, logvar: logvar, eps: eps)
            (z * weights).sum().backward()
            return [z.values, mu.grad!.values, logvar.grad!.values, eps.grad!.values]
        }
        let fused = run(), reference = withoutFusion { run() }
        for (i, name) in ["z", "d/dmu", "d/dlogvar", "d/deps"].enumerated() {
            expectClose(fused[i], reference[i], name, rtol: 1e-6, atol: 0)
        }
    }
}
