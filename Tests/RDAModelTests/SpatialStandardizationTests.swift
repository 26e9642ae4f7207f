import Testing
import Foundation
import RDACore
import RDATestSupport
@testable import RDAModel

/// Standardizing a `spatial` Gaussian model: the learned prior N(mu_c, sigma_c^2) per channel,
/// shared over positions, folds exactly into the encoder's last convolution and the decoder's
/// `LatentMapAffine`.
@Suite("Spatial standardization: a per-channel prior folds exactly")
struct SpatialStandardizationTests {
    static func config(_ shape: [Int], prior: Prior.Kind = .learned) -> ModelConfig {
        ModelConfig(arch: .spatial, exampleShape: shape, latentDim: 3, widths: [4], distortion: .l2, lambda: 8,
                    sigmoidOutput: true, data: "test", channel: .gaussian(prior: prior))
    }

    /// A tiny spatial Gaussian model for 8x8 RGB images (2x2 latent map of 3 channels), its prior
    /// moved away from N(0, 1), then trained a few Adam steps on random images.
    static func trainedModel() -> RateDistortionAutoencoder {
        var rng = SeededGenerator(seed: 5)
        let m = RateDistortionAutoencoder(config: config([3, 8, 8]), rng: &rng)
        let prior = m.gaussian!.prior
        for i in 0..<3 { prior.mu.data[i] = 0.5 * Float(i) - 0.4; prior.logSigma.data[i] = 0.3 - 0.35 * Float(i) }
        let y = Tensor.randomUniform([6, 3 * 64], low: 0, high: 1, using: &rng)
        let opt = Adam(m.parameters, learningRate: 2e-2)
        for _ in 0..<25 {
            opt.zeroGrad()
            let noise = m.drawNoise(rows: 6, mode: .training, using: &rng)
            let f = m.forward(y, noise: noise, mode: .training)
            (f.rate + f.distortion * Tensor(8)).mean().backward()
            opt.step()
        }
        return m
    }

    /// Whether `a` and `b` agree within `tol` relative (absolute below 1); a plain Bool, so a
    /// failing expectation prints no arrays.
    static func close(_ a: [Float], _ b: [Float], _ tol: Float = 2e-4) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tol * Swift.max(1, Swift.abs($0)) }
    }

    /// The largest absolute difference of `a` and `b`.
    static func gap(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0 }

    /// z = mu_c + sigma_c z' for every position of a [N, C P] latent.
    static func mapped(_ z: Tensor, prior: Prior) -> Tensor {
        let mu = prior.muPerDimension.reshaped([1, -1]), sigma = prior.logSigmaPerDimension.exp().reshaped([1, -1])
        return mu + sigma * z
    }

    @Test func keepsEveryRateAndReconstructionAndGivesAStandardPrior() throws {
        let model = Self.trainedModel()
        let affine = model.decoder.layers.first as! LatentMapAffine
        // training moved the affine map off the identity: the fold below has something to fold into
        #expect(affine.scale.values.contains { $0 != 1 } && affine.shift.values.contains { $0 != 0 })
        let std = try Standardization.standardized(model)
        #expect(std.config.channel == .gaussian(prior: .standard))
        #expect(std.gaussian!.prior.mu.values.allSatisfy { $0 == 0 } && std.gaussian!.prior.logSigma.values.allSatisfy { $0 == 0 })
        #expect(Standardization.isStandard(std) && !Standardization.isStandard(model))
        var rng = SeededGenerator(seed: 6)
        let y = Tensor.randomUniform([5, 3 * 64], low: 0, high: 1, using: &rng)
        for mode in [BottleneckMode.training, .noiseless] {
            let noise = model.drawNoise(rows: 5, mode: mode, using: &rng)
            let (a, b) = withoutGradients { (model.forward(y, noise: noise, mode: mode), std.forward(y, noise: noise, mode: mode)) }
            let (ra, rb, ya, yb) = (a.rate.values, b.rate.values, a.yHat.values, b.yHat.values)
            let rates = Self.close(ra, rb), outputs = Self.close(ya, yb)
            let distortions = Self.close(a.distortion.values, b.distortion.values)
            #expect(rates, "\(mode): rates differ by up to \(Self.gap(ra, rb))")
            #expect(outputs, "\(mode): reconstructions differ by up to \(Self.gap(ya, yb))")
            #expect(distortions)
        }
        // decoding z = mu_c + sigma_c z' with the learned model equals decoding z' with the standardized one
        let zPrime = Tensor.randomNormal([4, 3 * 4], using: &rng)
        let (s1, s2) = withoutGradients { (model.decode(Self.mapped(zPrime, prior: model.gaussian!.prior)).values, std.decode(zPrime).values) }
        let samples = Self.close(s1, s2)
        #expect(samples, "samples differ by up to \(Self.gap(s1, s2))")
        // standardizing again changes nothing
        let again = try Standardization.standardized(std)
        for (p, q) in zip(std.namedParameters, again.namedParameters) {
            let same = p.name == q.name && p.tensor.values == q.tensor.values
            #expect(same, "\(p.name)")
        }
    }

    @Test func samplesAtAnySizeStillWork() throws {
        let model = Self.trainedModel()
        let std = try Standardization.standardized(model)
        var rng = SeededGenerator(seed: 7)
        for (h, w) in [(16, 24), (8, 32), (4, 4)] {
            let big = try model.resized(height: h, width: w), stdBig = try std.resized(height: h, width: w)
            let positions = (h / 4) * (w / 4)
            #expect(stdBig.config.latentShape.positions == positions)
            let zPrime = Tensor.randomNormal([2, 3 * positions], using: &rng)
            let (s1, s2) = withoutGradients { (big.decode(Self.mapped(zPrime, prior: big.gaussian!.prior)).values, stdBig.decode(zPrime).values) }
            let same = s1.count == 2 * 3 * h * w && Self.close(s1, s2)
            #expect(same, "\(h)x\(w): samples differ by up to \(Self.gap(s1, s2))")
            let inRange = s2.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }
            #expect(inRange, "\(h)x\(w): a sample outside [0, 1]")
            // standardizing the resized model is resizing the standardized one
            let other = try Standardization.standardized(big)
            for (p, q) in zip(stdBig.namedParameters, other.namedParameters) {
                let same = p.name == q.name && Self.close(p.tensor.values, q.tensor.values, 1e-6)
                #expect(same, "\(p.name)")
            }
        }
    }

    @Test func latentMapAffineGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 8)
        let layer = LatentMapAffine([3, 2, 3])
        for i in 0..<3 { layer.scale.data[i] = 0.7 + 0.4 * Float(i); layer.shift.data[i] = 0.3 - 0.25 * Float(i) }
        let x = Tensor.randomNormal([2, 18], using: &rng)
        let y = withoutGradients { layer(x) }
        #expect(y.shape == [2, 3, 2, 3])
        // the closed form: a_c x + b_c at every position of channel c
        for n in 0..<2 { for c in 0..<3 { for p in 0..<6 {
            let i = n * 18 + c * 6 + p
            #expect(Swift.abs(y.data[i] - (layer.scale.data[c] * x.data[i] + layer.shift.data[c])) <= 1e-6)
        } } }
        // the layer's own parameters are probed (nudged in place)
        checkGradients([x, layer.scale, layer.shift], eps: 1e-2, rtol: 1e-2, atol: 1e-3) { inputs in layer(inputs[0]) }
    }

    @Test func rateChangeCountsEveryPositionOfALatentMap() throws {
        var rng = SeededGenerator(seed: 9)
        let data = Dataset(examples: Tensor.randomUniform([20, 3 * 64], low: 0, high: 1, using: &rng), exampleShape: [3, 8, 8], isImage: true)
        let fine = Self.trainedModel()
        let a = Standardization.rateChange(from: fine, to: try Standardization.standardized(fine), on: data)
        #expect(a.examples == 20 && a.clamped == 0 && a.maxAbs < 1e-3, "\(a)")
        // raw logvar about -25 everywhere, standardized -25 - 2 * 4 = -33 < -30: every one of the
        // 20 x 3 channels x 4 positions latent values leaves the clamp range
        let edge = Self.trainedModel()
        let conv = edge.encoder.layers.last(where: { $0 is Conv2d }) as! Conv2d
        for i in 0..<conv.weight.count { conv.weight.data[i] *= 0.001 }
        for c in 0..<3 { conv.bias!.data[3 + c] = -25; edge.gaussian!.prior.logSigma.data[c] = 4 }
        let b = Standardization.rateChange(from: edge, to: try Standardization.standardized(edge), on: data)
        #expect(b.clamped == 20 * 3 * 4 && b.maxAbs > 0.5, "\(b)")
    }

    @Test func theArchitectureDescriptionNamesTheAffineMap() {
        var rng = SeededGenerator(seed: 10)
        let d = ArchitectureDescription(RateDistortionAutoencoder(config: Self.config([3, 8, 8]), rng: &rng))
        let first = d.decoder.first
        #expect(first?.kind == "reshape_channel_affine" && first?.shape == [3, 2, 2])
        #expect(first?.tensors == ["scale": "decoder.0.scale", "shift": "decoder.0.shift"])
    }

    @Test func aModelFileWithoutTheAffineMapIsRefusedInOneLine() throws {
        var shapes = try CheckpointValidation.expectedShapes(Self.config([3, 8, 8]))
        #expect(shapes["decoder.0.scale"] == [3] && shapes["decoder.0.shift"] == [3])
        shapes.removeValue(forKey: "decoder.0.scale")
        shapes.removeValue(forKey: "decoder.0.shift")
        do {
            try CheckpointValidation.validate(Self.config([3, 8, 8]), tensors: shapes, source: "old.safetensors")
            Issue.record("a spatial model file without decoder.0.scale was accepted")
        } catch let e as RDAError {
            #expect(e.message.contains("decoder.0.scale") && !e.message.contains("\n"))
        }
    }
}
