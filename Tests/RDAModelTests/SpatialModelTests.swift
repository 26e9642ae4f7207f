import Testing
import Foundation
import RDACoding
import RDACore
import RDATestSupport
@testable import RDAModel

/// The fully convolutional `spatial` architecture: parameters that do not depend on the image
/// size, a resized model that is the same network, gradients against finite differences.
@Suite("Spatial architecture: one model for any image size")
struct SpatialModelTests {
    static func config(_ shape: [Int], channel: ChannelConfig = .default, widths: [Int] = [4], latent: Int = 3) -> ModelConfig {
        ModelConfig(arch: .spatial, exampleShape: shape, latentDim: latent, widths: widths, distortion: .l2, lambda: 8,
                    sigmoidOutput: true, data: "test", channel: channel)
    }

    @Test func parameterShapesDoNotDependOnTheSize() throws {
        for channel in [ChannelConfig.default, .quantized(components: 2)] {
            let small = try CheckpointValidation.expectedShapes(Self.config([3, 4, 4], channel: channel))
            let large = try CheckpointValidation.expectedShapes(Self.config([3, 32, 48], channel: channel))
            #expect(small == large)
            // k = 2 convolutions each way, 4x4 kernels: encoder 3 -> 4 -> 3 * outputs per latent
            let outputs = channel == .default ? 6 : 3
            #expect(small["encoder.1.weight"] == [4, 3, 4, 4] && small["encoder.3.weight"] == [outputs, 4, 4, 4])
            #expect(small["decoder.1.weight"] == [3, 4, 4, 4] && small["decoder.3.weight"] == [4, 3, 4, 4])
            // the model built matches the validation's shapes
            var rng = SeededGenerator(seed: 1)
            let m = RateDistortionAutoencoder(config: Self.config([3, 8, 12], channel: channel), rng: &rng)
            for (name, t) in m.namedParameters { #expect(small[name] == t.shape, "\(name)") }
        }
        #expect(Self.config([3, 8, 12]).latentShape == LatentShape(channels: 3, positions: 2 * 3))
        // sizes that are not multiples of 2^k are refused in one line
        #expect(throws: RDAError.self) { try CheckpointValidation.expectedShapes(Self.config([3, 6, 8])) }
        // a file may claim any number of widths: more than 12 downsamplings (2^64 wraps to 0) is refused, not a crash
        for n in [12, 63, 64, 70] {
            #expect(throws: RDAError.self) { try CheckpointValidation.expectedShapes(Self.config([3, 16, 16], widths: [Int](repeating: 2, count: n))) }
        }
        #expect(throws: RDAError.self) { try SpatialNetwork.resolveWidths(nil, downsamplings: 13) }
    }

    @Test func resizedSharesTheLayersAndComputesTheSameNetwork() throws {
        var rng = SeededGenerator(seed: 2)
        let channel = ChannelConfig.quantized(components: 2)
        let m = RateDistortionAutoencoder(config: Self.config([3, 8, 8], channel: channel), rng: &rng)
        let q = m.bottleneck as! QuantizedBottleneck
        for i in 0..<q.loc.count { q.logScale.data[i] = 0.2 * Float(i % 3) }
        m.bottleneck.finalize()
        let r = try m.resized(height: 12, width: 20)
        #expect(r.config.exampleShape == [3, 12, 20] && r.config.latentShape.positions == 3 * 5)
        let mine = m.namedParameters, theirs = r.namedParameters
        #expect(mine.map(\.name) == theirs.map(\.name))
        for (a, b) in zip(mine, theirs) where !a.name.hasPrefix("prior.") { #expect(a.tensor === b.tensor, "\(a.name) is not shared") }
        for (a, b) in zip(mine, theirs) { #expect(a.tensor.values == b.tensor.values) }
        #expect((r.bottleneck as! QuantizedBottleneck).tables == q.tables)
        // the same computation as a model built for 12x20 holding the same values
        var rng2 = SeededGenerator(seed: 9)
        let fresh = RateDistortionAutoencoder(config: r.config, rng: &rng2)
        for (a, b) in zip(fresh.namedParameters, mine) { a.tensor.data.update(from: b.tensor.data, count: a.tensor.count) }
        let x = Tensor.randomUniform([2, 3 * 12 * 20], low: 0, high: 1, using: &rng)
        let (fr, rr) = withoutGradients { (fresh.forward(x, noise: nil, mode: .noiseless), r.forward(x, noise: nil, mode: .noiseless)) }
        #expect(fr.yHat.values == rr.yHat.values && fr.z.values == rr.z.values)
        #expect(try m.resized(height: 8, width: 8) === m)
        #expect(throws: RDAError.self) { try m.resized(height: 10, width: 8) }
        let dense = quantizedModel(.mlp)
        #expect(throws: RDAError.self) { try dense.resized(height: 8, width: 8) }
    }

    @Test func gradientsMatchFiniteDifferences() {
        for channel in [ChannelConfig.default, .quantized(components: 2)] {
            var rng = SeededGenerator(seed: 3)
            let m = RateDistortionAutoencoder(config: Self.config([2, 4, 4], channel: channel, widths: [3], latent: 2), rng: &rng)
            let y = Tensor.randomUniform([2, 32], low: 0, high: 1, using: &rng)
            let noise = m.drawNoise(rows: 2, mode: .training, using: &rng)
            checkGradients(m.parameters, eps: 1e-2, rtol: 3e-2, atol: 3e-3) { _ in
                let f = m.forward(y, noise: noise, mode: .training)
                return f.rate + f.distortion * Tensor(8)
            }
        }
    }
}
