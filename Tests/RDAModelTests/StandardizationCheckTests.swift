import Testing
import Foundation
import RDACore
import RDAModel

/// `Standardization.rateChange` finds the inputs where the standardized log-variance leaves the
/// encoder's clamp range (there the two models' rates differ), and reports none where it stays inside.
@Suite("Standardization: rate change outside the clamp range")
struct StandardizationCheckTests {
    func model(logSigma: Float, logvarBias: Float) -> RateDistortionAutoencoder {
        var rng = SeededGenerator(seed: 9)
        let cfg = ModelConfig(arch: .linear, exampleShape: [3], latentDim: 2, widths: [],
                              distortion: .l2, lambda: 1, sigmoidOutput: false, data: "gaussian:1,1,1", channel: .gaussian(prior: .learned))
        let m = RateDistortionAutoencoder(config: cfg, rng: &rng)
        let enc = m.encoder.layers[0] as! Linear
        for i in 0..<(enc.weight.count) { enc.weight.data[i] *= 0.01 }   // raw logvar close to its bias
        for j in 2..<4 { enc.bias!.data[j] = logvarBias }
        for j in 0..<2 { m.gaussian!.prior.logSigma.data[j] = logSigma; m.gaussian!.prior.mu.data[j] = 0.5 }
        return m
    }

    @Test func reportsTheChangeOnlyWhenTheRangeIsLeft() throws {
        var rng = SeededGenerator(seed: 3)
        let data = Dataset(examples: Tensor.randomNormal([200, 3], using: &rng), exampleShape: [3], isImage: false)
        // inside: raw logvar -5, standardized -5 - 2 * 1 = -7
        let fine = model(logSigma: 1, logvarBias: -5)
        let a = Standardization.rateChange(from: fine, to: try Standardization.standardized(fine), on: data)
        #expect(a.examples == 200 && a.clamped == 0 && a.maxAbs < 1e-3, "\(a)")
        // outside: raw logvar -25, standardized -25 - 2 * 4 = -33 < -30: clamped, the KL changes
        let edge = model(logSigma: 4, logvarBias: -25)
        let b = Standardization.rateChange(from: edge, to: try Standardization.standardized(edge), on: data)
        #expect(b.clamped == 400 && b.maxAbs > 0.5, "\(b)")
        // KL per dimension 0.5 (e^l + m^2 - 1 - l): clamping l = -33 to -30 changes it by
        // 0.5 ((-30 - (-33)) - (e^-30 - e^-33)), about 1.5 nats, in each of the 2 dimensions
        let expected = 2 * 0.5 * (3 - (exp(-30.0) - exp(-33.0)))
        #expect(Swift.abs(b.meanAbs - expected) < 0.05 * expected, "mean change \(b.meanAbs), expected about \(expected)")
    }
}
