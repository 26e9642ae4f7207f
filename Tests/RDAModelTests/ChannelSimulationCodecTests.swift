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
}
