import Testing

@testable import RDABench
import RDACore
import RDAModel

/// FLOPs counted from the model's architecture description against the layer sizes in closed form.
@Suite("Model FLOPs")
struct ModelFLOPsTests {
    static func description(_ arch: Architecture) -> ArchitectureDescription {
        var rng = SeededGenerator(seed: 1)
        return ArchitectureDescription(RateDistortionAutoencoder(config: TrainingBenchmark.config(arch), rng: &rng))
    }

    @Test("mlp: 784-512-256-64 and 32-256-512-784")
    func mlp() {
        let (total, first) = ModelFLOPs.forwardMACs(Self.description(.mlp))
        let layers = [784 * 512, 512 * 256, 256 * 64, 32 * 256, 256 * 512, 512 * 784]
        #expect(total == Double(layers.reduce(0, +)))
        #expect(first == Double(784 * 512))
        let training = ModelFLOPs.perImage(Self.description(.mlp), training: true)
        #expect(training == 6 * total - 2 * first)
        #expect(abs(training - 5.73e6) < 0.01e6)   // the figure docs/performance.md quotes
        #expect(ModelFLOPs.perImage(Self.description(.mlp), training: false) == 2 * total)
    }

    @Test("conv: two k4 s2 convolutions, the 3136-wide linears, two transposed convolutions")
    func conv() {
        let (total, first) = ModelFLOPs.forwardMACs(Self.description(.conv))
        let conv1 = 14 * 14 * 32 * 1 * 16, conv2 = 7 * 7 * 64 * 32 * 16
        let layers = [conv1, conv2, 3136 * 64, 32 * 3136, conv2, conv1]
        #expect(total == Double(layers.reduce(0, +)))
        #expect(first == Double(conv1))
        #expect(abs(ModelFLOPs.perImage(Self.description(.conv), training: true) - 22.1e6) < 0.05e6)
    }
}
