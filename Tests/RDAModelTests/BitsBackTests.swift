import Testing
import Foundation
import RDACoding
import RDACore
import RDATestSupport
@testable import RDAModel

@Suite("Bits-back coding: tables and the chain", .serialized)
struct BitsBackTests {
    /// Every pixel table has 256 levels of frequency >= 1 summing to 2^precision, the search finds
    /// the level of every slot, and a level costs its -log2 P to within the precision's floor.
    @Test(arguments: [DistortionKind.l2, .l1, .discretizedLogistic])
    func pixelTablesAreValid(_ kind: DistortionKind) {
        let lik = PixelLikelihood(kind: kind, lambda: kind == .discretizedLogistic ? 1 : 300, precision: 16)
        for (a, s) in [(Float(0.3), Float(-3)), (-0.4, -7), (0.99, -1), (1.6, 2), (0.5, -9)] {
            var total: UInt32 = 0
            for k in 0..<256 {
                let iv = lik.interval(level: k, a, s)
                #expect(iv.frequency >= 1 && iv.cumulative == total)
                total += iv.frequency
                let found = lik.level(holding: iv.cumulative + iv.frequency / 2, a, s)
                #expect(found.level == k && found.cumulative == iv.cumulative && found.frequency == iv.frequency)
                let p: Double
                if kind == .discretizedLogistic { p = exp(DiscretizedLogistic.logMass(level: k, mean: Double(a), logScale: Double(s))) }
                else { p = exp(-DiscretizedLikelihood.negativeLogMass(kind, lambda: 300, y: Double(k) / 255, yHat: Double(a))) }
                // the integer probability lies between (1 - 256/2^p) P and (1 - 256/2^p) P + 1/2^p (+- one unit of rounding)
                let q = Double(iv.frequency) / 65536, floor = 256.0 / 65536
                #expect(q >= (1 - floor) * p - 1.0 / 65536 && q <= (1 - floor) * p + 2.0 / 65536, "k \(k): \(q) vs \(p)")
            }
            #expect(total == 1 << 16)
        }
    }

    /// Phi^-1 inverts Phi; every bucket has prior mass 1/B; the posterior tables are valid.
    @Test func bucketsHaveEqualPriorMass() {
        for p in [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999] {
            #expect(Swift.abs(StandardNormal.cdf(StandardNormal.quantile(p)) - p) < 1e-14 + 1e-12 * p)
        }
        let b = LatentBuckets(bucketBits: 8, precision: 16)
        for i in [0, 1, 100, 128, 255] {
            let mass = StandardNormal.cdf(b.edges[i + 1]) - StandardNormal.cdf(b.edges[i])
            #expect(Swift.abs(mass - 1.0 / 256) < 1e-12)
            #expect(b.centres[i] > b.edges[i] && b.centres[i] < b.edges[i + 1])
        }
        for (m, s) in [(0.0, 1.0), (1.3, 0.05), (-4.0, 0.001), (0.2, 3.0)] {
            var total: UInt32 = 0
            for i in 0..<256 {
                let iv = b.interval(bucket: i, mean: m, sd: s)
                #expect(iv.frequency >= 1 && iv.cumulative == total)
                total += iv.frequency
                #expect(b.bucket(holding: iv.cumulative, mean: m, sd: s).bucket == i)
            }
            #expect(total == 1 << 16)
        }
    }

    static func model(_ distortion: DistortionKind, arch: Architecture = .conv, channel: ChannelConfig = .gaussian(prior: .standard), seed: UInt64 = 3) -> RateDistortionAutoencoder {
        let cfg = ModelConfig(arch: arch, exampleShape: [1, 28, 28], latentDim: 8, widths: arch == .conv ? [8, 16] : [32],
                              distortion: distortion, lambda: distortion == .discretizedLogistic ? 1 : 4, sigmoidOutput: distortion != .discretizedLogistic,
                              data: "mnist", channel: channel)
        var rng = SeededGenerator(seed: seed)
        return RateDistortionAutoencoder(config: cfg, rng: &rng)
    }

    static func mnist(_ n: Int) throws -> Tensor {
        let data = try DataSource.parse("mnist").load(split: .test, dataDir: SharedData.directory!.path)
        return data.examples.slice(0..<n)
    }

    /// Every image comes back bit-exact, the chain ends on its initial bits, and the file is the
    /// negative ELBO of the images plus the initial bits, to within 1%.
    @Test(.enabled(if: SharedData.isPresent), arguments: [DistortionKind.discretizedLogistic, .l2])
    func roundTripIsExactAndCostsTheNegativeELBO(_ distortion: DistortionKind) throws {
        let model = Self.model(distortion, arch: distortion == .l2 ? .mlp : .conv)
        let x = try Self.mnist(distortion == .l2 ? 60 : 300)
        let (file, stats) = try BitsBack.compress(model, examples: x)
        let read = try CompressedFile(bytes: file.bytes)
        #expect(read.method == .bitsBack)
        let levels = try BitsBack.decompress(model, file: read)
        #expect(levels == (try BitsBack.levels(x)))
        let initial = Double((BitsBack.Parameters(latentDim: 8).initialWords + 2) * 32)
        let payload = Double(file.recordBitCount(0))
        #expect(Swift.abs(payload - initial - stats.nelboBits) < 0.01 * stats.nelboBits, "file \(payload) bits, initial \(initial), -ELBO \(stats.nelboBits), KL \(stats.klNats / M_LN2) bits, latents' net \(stats.latentNetBits)")
        #expect(Swift.abs(payload - initial - stats.netBits) < 0.001 * stats.netBits + 64)
    }

    /// A learned prior is standardized away: a model whose prior is N(0.3, 1.5^2) in some
    /// dimensions codes and decodes exactly, its latents costing their KL (to within the
    /// one-sample noise); l1 tables too. (A posterior much wider than the prior would cost less
    /// than its KL: the prior's outer buckets cannot resolve its tails.)
    @Test(.enabled(if: SharedData.isPresent))
    func learnedPriorAndLaplaceTablesRoundTrip() throws {
        let model = Self.model(.l1, arch: .mlp, channel: .gaussian(prior: .learned))
        let prior = try #require(model.bottleneck as? GaussianBottleneck).prior
        for j in 0..<4 { prior.mu.data[j] = 0.3; prior.logSigma.data[j] = Float(log(1.5)) }
        let x = try Self.mnist(40)
        let (file, stats) = try BitsBack.compress(model, examples: x)
        #expect(try BitsBack.decompress(model, file: file) == (try BitsBack.levels(x)))
        #expect(Swift.abs(stats.latentNetBits - stats.klNats / M_LN2) < 0.1 * stats.klNats / M_LN2 + 3 * Double(40 * 8).squareRoot(),
                "latents' net \(stats.latentNetBits) bits, KL \(stats.klNats / M_LN2) bits")
    }

    /// A quantized model, another model and a damaged chain are refused in one line.
    @Test(.enabled(if: SharedData.isPresent))
    func refusals() throws {
        let model = Self.model(.discretizedLogistic)
        let x = try Self.mnist(20)
        #expect(throws: (any Error).self) { try BitsBack.compress(Self.model(.l2, channel: .quantized(components: 3)), examples: x) }
        #expect(throws: RDAError.self) { try BitsBack.compress(model, examples: x + Tensor(shape: x.shape, repeating: 0.001)) }
        let (file, _) = try BitsBack.compress(model, examples: x)
        let other = Self.model(.discretizedLogistic, seed: 4)
        #expect(throws: RDAError.self) { try BitsBack.decompress(other, file: file) }
        // a changed word with a valid checksum: the chain does not end on its initial bits
        var payload = file.record(0)
        payload[payload.count / 2] ^= 0x10
        let damaged = try CompressedFile(fingerprint: file.fingerprint, shape: file.shape, records: [payload], examplesPerRecord: file.count,
                                         count: file.count, method: .bitsBack, parameters: file.parameters)
        #expect(throws: RDAError.self) { try BitsBack.decompress(model, file: damaged) }
        let wrongParameters = try CompressedFile(fingerprint: file.fingerprint, shape: file.shape, records: [file.record(0)], examplesPerRecord: file.count,
                                                 count: file.count, method: .bitsBack, parameters: [9])
        #expect(throws: RDAError.self) { try BitsBack.decompress(model, file: wrongParameters) }
    }
}
