import Testing
import Foundation
import RDACoding
import RDACore
import RDAModel

/// `ChannelSimulationCodec` on a model with a learned prior: the standardized posteriors keep
/// the model's rate, the file round-trips to the encoder's latents, and the decoded latents
/// follow p(z|y) in the model's own coordinates.
@Suite("Channel simulation codec")
struct ChannelSimulationCodecTests {
    func model() -> RateDistortionAutoencoder {
        var rng = SeededGenerator(seed: 5)
        let cfg = ModelConfig(arch: .linear, exampleShape: [3], latentDim: 2, widths: [],
                              distortion: .l2, lambda: 1, sigmoidOutput: false, data: "gaussian:1,1,1", channel: .gaussian(prior: .learned))
        let m = RateDistortionAutoencoder(config: cfg, rng: &rng)
        m.gaussian!.prior.mu.data[0] = 0.7; m.gaussian!.prior.mu.data[1] = -0.4
        m.gaussian!.prior.logSigma.data[0] = 0.5; m.gaussian!.prior.logSigma.data[1] = -0.3
        return m
    }

    /// Sum over dimensions of KL(N(mu', s'^2) || N(0, 1)) equals the model's closed-form rate
    /// against its learned prior, example by example (KL is invariant under the affine map).
    @Test func standardizedPosteriorsKeepTheRate() throws {
        let m = model()
        var rng = SeededGenerator(seed: 8)
        let y = Tensor.randomNormal([50, 3], using: &rng)
        let p = try ChannelSimulationCodec.posteriors(m, examples: y)
        let rate = withoutGradients { m.forward(y, noise: nil, mode: .noiseless).rate.values }
        for e in 0..<50 {
            let bits = (0..<2).reduce(0.0) { $0 + GaussianKL.bits(mu: p.mu[e * 2 + $1], logVariance: p.logVariance[e * 2 + $1]) }
            #expect(Swift.abs(bits * log(2) - Double(rate[e])) < 1e-4 * Swift.max(1, Double(rate[e])), "example \(e): \(bits * log(2)) vs \(rate[e]) nats")
        }
    }

    /// The file's latents are the encoder's, and in the model's coordinates z = mu_z + sigma_z z'
    /// their mean over many draws of one input is the posterior mean (within 4.5 standard errors).
    @Test func fileRoundTripsAndLatentsFollowThePosterior() throws {
        let m = model()
        let n = 2000
        let y = Tensor(shape: [n, 3], values: (0..<n).flatMap { _ in [0.3, -1.2, 0.8] as [Float] })
        let p = try ChannelSimulationCodec.posteriors(m, examples: y)
        let encoded = try ChannelSimulationCodec.encode(mu: p.mu, logVariance: p.logVariance, dimensions: 2, blockBits: 6, examplesPerRecord: 100, threads: 2)
        let file = try ChannelSimulationCodec.file(m, encoded: encoded, examplesPerRecord: 100)
        let z = try ChannelSimulationCodec.latents(m, file: try CompressedFile(bytes: file.bytes))
        #expect(z == encoded.examples.flatMap(\.latent))
        let post = withoutGradients { m.forward(Tensor(shape: [1, 3], values: [0.3, -1.2, 0.8]), noise: nil, mode: .noiseless).bottleneck.details as! GaussianPosterior }
        let recon = try ChannelSimulationCodec.reconstruct(m, latents: z)
        #expect(recon.shape == [n, 3])
        for j in 0..<2 {
            let sigmaZ = exp(Double(m.gaussian!.prior.logSigma.data[j])), muZ = Double(m.gaussian!.prior.mu.data[j])
            let mean = (0..<n).reduce(0.0) { $0 + muZ + sigmaZ * z[$1 * 2 + j] } / Double(n)
            let s = exp(Double(post.logvar.data[j]) / 2)
            #expect(Swift.abs(mean - Double(post.mu.data[j])) < 4.5 * s / Double(n).squareRoot(), "dimension \(j): \(mean) vs \(post.mu.data[j])")
        }
        // another model's file is refused in one line
        var rng = SeededGenerator(seed: 99)
        let other = RateDistortionAutoencoder(config: m.config, rng: &rng)
        #expect(throws: RDAError.self) { _ = try ChannelSimulationCodec.latents(other, file: file) }
    }

    /// A spatial model's latent is its whole map, channels x positions (found by `rda compress`
    /// on a spatial Gaussian model, which once reshaped only the channels and crashed): the
    /// posteriors keep the rate of every position, the file round-trips, and the reconstruction
    /// is the decoder's output on those latents.
    @Test func spatialModelsCodeTheirWholeLatentMap() throws {
        var rng = SeededGenerator(seed: 3)
        let cfg = ModelConfig(arch: .spatial, exampleShape: [3, 8, 8], latentDim: 3, widths: [4], distortion: .l2, lambda: 8,
                              sigmoidOutput: true, data: "test", channel: .gaussian(prior: .learned))
        let m = RateDistortionAutoencoder(config: cfg, rng: &rng)
        for c in 0..<3 { m.gaussian!.prior.mu.data[c] = 0.2 * Float(c) - 0.1; m.gaussian!.prior.logSigma.data[c] = 0.1 * Float(c) - 0.2 }
        let k = m.config.latentShape.count
        #expect(k == 3 * 2 * 2)
        let y = Tensor.randomUniform([5, 3 * 8 * 8], low: 0, high: 1, using: &rng)
        let p = try ChannelSimulationCodec.posteriors(m, examples: y)
        #expect(p.mu.count == 5 * k && p.logVariance.count == 5 * k)
        let rate = withoutGradients { m.forward(y, noise: nil, mode: .noiseless).rate.values }
        for e in 0..<5 {
            let bits = (0..<k).reduce(0.0) { $0 + GaussianKL.bits(mu: p.mu[e * k + $1], logVariance: p.logVariance[e * k + $1]) }
            #expect(Swift.abs(bits * log(2) - Double(rate[e])) < 1e-4 * Swift.max(1, Double(rate[e])), "example \(e)")
        }
        let encoded = try ChannelSimulationCodec.encode(mu: p.mu, logVariance: p.logVariance, dimensions: k, blockBits: 6, examplesPerRecord: 2, threads: 2)
        let file = try ChannelSimulationCodec.file(m, encoded: encoded, examplesPerRecord: 2)
        let z = try ChannelSimulationCodec.latents(m, file: try CompressedFile(bytes: file.bytes))
        #expect(z == encoded.examples.flatMap(\.latent))
        let recon = try ChannelSimulationCodec.reconstruct(m, latents: z)
        #expect(recon.shape == [5, 3 * 8 * 8])
        let sigmaZ = m.gaussian!.prior.logSigmaPerDimension.values.map { exp($0) }, muZ = m.gaussian!.prior.muPerDimension.values
        let zModel = Tensor(shape: [5, k], values: (0..<(5 * k)).map { muZ[$0 % k] + sigmaZ[$0 % k] * Float(z[$0]) })
        let direct = withoutGradients { m.decode(zModel) }
        #expect(recon.values == direct.values)
    }

    /// Without ‹block-bits› and ‹candidate-bits› the encoder takes (B, log2 N) from the
    /// examples' mean KL: the low-rate pair below `highRateKLBits`, the high-rate pair from
    /// there; the choice is stored in the parameter bytes and read back by the decoder;
    /// ‹block-bits› alone gives log2 N = B + margin, ‹candidate-bits› alone keeps the preset B.
    @Test func defaultBlockAndCandidateBitsFollowTheKL() throws {
        let m = model()
        // one posterior repeated: KL per example = sum over 2 dimensions of (mu^2 - ln s^2 + s^2 - 1) / (2 ln 2)
        func encoded(mu: Double, logVariance: Double, blockBits: Int? = nil, candidateBits: Int? = nil) throws -> (ChannelSimulationCodec.Encoded, Double) {
            let n = 2
            let mus = [Double](repeating: mu, count: 2 * n), lvs = [Double](repeating: logVariance, count: 2 * n)
            let e = try ChannelSimulationCodec.encode(mu: mus, logVariance: lvs, dimensions: 2, blockBits: blockBits, candidateBits: candidateBits,
                                                      examplesPerRecord: 3, threads: 2)
            return (e, 2 * GaussianKL.bits(mu: mu, logVariance: logVariance))
        }
        let (low, lowKL) = try encoded(mu: 1, logVariance: -6)
        #expect(lowKL > 4 && lowKL < ChannelSimulationCodec.highRateKLBits, "KL \(lowKL)")
        #expect(low.parameters.plan.blockBits == ChannelSimulationCodec.lowRateSettings.blockBits)
        #expect(low.parameters.plan.candidateBits == ChannelSimulationCodec.lowRateSettings.candidateBits)
        let (high, highKL) = try encoded(mu: 2, logVariance: -24)
        #expect(highKL >= ChannelSimulationCodec.highRateKLBits, "KL \(highKL)")
        #expect(high.parameters.plan.blockBits == ChannelSimulationCodec.highRateSettings.blockBits)
        #expect(high.parameters.plan.candidateBits == ChannelSimulationCodec.highRateSettings.candidateBits)
        #expect(ChannelSimulationCodec.highRateSettings.blockBits > ChannelSimulationCodec.lowRateSettings.blockBits)
        // the choice travels in the file: its decoder reads the same plan and regenerates the latents
        let file = try ChannelSimulationCodec.file(m, encoded: high, examplesPerRecord: 3)
        #expect(try ChannelSimulationParameters(bytes: file.parameters).plan == high.parameters.plan)
        #expect(try ChannelSimulationCodec.latents(m, file: try CompressedFile(bytes: file.bytes)) == high.examples.flatMap(\.latent))
        // explicit options win
        let (given, _) = try encoded(mu: 2, logVariance: -24, blockBits: 8)
        #expect(given.parameters.plan.blockBits == 8 && given.parameters.plan.candidateBits == 8 + ChannelSimulationCodec.defaultCandidateMargin)
        let (onlyN, _) = try encoded(mu: 1, logVariance: -6, candidateBits: 12)
        #expect(onlyN.parameters.plan.blockBits == ChannelSimulationCodec.lowRateSettings.blockBits && onlyN.parameters.plan.candidateBits == 12)
        #expect(throws: RDAError.self) { _ = try encoded(mu: 1, logVariance: -6, candidateBits: 9) }
    }
}
