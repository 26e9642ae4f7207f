import Testing
import Foundation
import RDACoding
import RDACore
import RDATestSupport
@testable import RDAModel

/// The discretized logistic and bits-back coding with the fully convolutional `spatial`
/// architecture: a decoder with a mean and a log-scale channel per image channel, and a latent
/// of channels x positions coded dimension by dimension.
@Suite("Bits-back coding of spatial models")
struct BitsBackSpatialTests {
    static func config(_ shape: [Int], latent: Int = 2, prior: Prior.Kind = .standard) -> ModelConfig {
        ModelConfig(arch: .spatial, exampleShape: shape, latentDim: latent, widths: [4], distortion: .discretizedLogistic, lambda: 1,
                    sigmoidOutput: false, data: "test", channel: .gaussian(prior: prior))
    }

    /// Random 8-bit colour images, smooth enough that the model's tables are not all flat:
    /// levels k/255, [n, C H W].
    static func images(_ n: Int, shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let d = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<(n * d) { values[i] = Float(Int.random(in: 0...255, using: &rng)) / 255 }
        return Tensor(shape: [n, d], values: values)
    }

    /// The decoder gives 2 C_img channels (means then log-scales); the checkpoint's expected
    /// shapes match the model built, at any size.
    @Test func logisticDecoderHasTwoOutputsPerPixel() throws {
        let small = try CheckpointValidation.expectedShapes(Self.config([3, 4, 4]))
        let large = try CheckpointValidation.expectedShapes(Self.config([3, 16, 12]))
        #expect(small == large)
        #expect(small["decoder.3.weight"] == [4, 6, 4, 4] && small["decoder.3.bias"] == [6])
        var rng = SeededGenerator(seed: 2)
        let m = RateDistortionAutoencoder(config: Self.config([3, 8, 12]), rng: &rng)
        for (name, t) in m.namedParameters { #expect(small[name] == t.shape, "\(name)") }
        let z = Tensor(shape: [2, m.config.latentShape.count], repeating: 0.1)
        #expect(m.decoderOutputs(z).shape == [2, 2 * 3 * 8 * 12])
        #expect(m.decode(z).shape == [2, 3 * 8 * 12])
        // the objective is finite and the distortion is the logistic's -ln P in nats (> 0)
        let y = Self.images(2, shape: [3, 8, 12], seed: 5)
        let f = m.forward(y, noise: m.drawNoise(rows: 2, using: &rng))
        #expect(f.distortion.values.allSatisfy { $0.isFinite && $0 > 0 })
    }

    /// Colour images of the model's size come back bit-exact; the file costs the integer tables'
    /// code length plus the initial bits (the chain's bookkeeping), and the prior costs exactly
    /// log2 B per latent value: channels x positions of them.
    @Test(arguments: [Prior.Kind.standard, .learned])
    func colourImagesRoundTripExactly(_ prior: Prior.Kind) throws {
        let shape = [3, 8, 12]
        var rng = SeededGenerator(seed: 7)
        let model = RateDistortionAutoencoder(config: Self.config(shape, prior: prior), rng: &rng)
        if prior == .learned, let g = model.bottleneck as? GaussianBottleneck {
            g.prior.mu.data[0] = 0.4; g.prior.logSigma.data[1] = Float(log(0.5))
        }
        #expect(model.config.latentShape.count == 2 * 2 * 3)
        let x = Self.images(5, shape: shape, seed: 11)
        let (file, stats) = try BitsBack.compress(model, examples: x)
        let read = try CompressedFile(bytes: file.bytes)
        #expect(try BitsBack.decompress(model, file: read) == (try BitsBack.levels(x)))
        let parameters = BitsBack.Parameters(latentDim: model.config.latentShape.count)
        #expect(parameters.initialWords == (12 * LatentBuckets.defaultBucketBits + 31) / 32)
        let initial = Double((parameters.initialWords + 2) * 32)
        let payload = Double(file.recordBitCount(0))
        #expect(Swift.abs(payload - initial - stats.netBits) < 0.001 * stats.netBits + 64, "file \(payload), net \(stats.netBits)")
        // a changed image changes the file; a model of another seed cannot decode it
        var other = SeededGenerator(seed: 8)
        let stranger = RateDistortionAutoencoder(config: Self.config(shape, prior: prior), rng: &other)
        #expect(throws: RDAError.self) { try BitsBack.decompress(stranger, file: read) }
    }
}

/// Images of any size on one chain: padded by edge replication, only their own pixels coded.
@Suite("Bits-back coding of images of any size")
struct BitsBackAnySizeTests {
    @Test func oddSizedColourImagesRoundTripExactly() throws {
        var rng = SeededGenerator(seed: 9)
        let model = RateDistortionAutoencoder(config: BitsBackSpatialTests.config([3, 8, 8]), rng: &rng)
        let sizes = [(5, 7), (8, 8), (1, 1), (13, 6), (5, 7)]
        let images = sizes.enumerated().map { i, s in
            BitsBackSpatialTests.images(1, shape: [3, s.0, s.1], seed: UInt64(20 + i)).reshaped([3, s.0, s.1])
        }
        let (file, stats) = try BitsBack.compress(model, images: images)
        #expect(stats.count == sizes.count)
        let read = try CompressedFile(bytes: file.bytes)
        #expect(ImageCodec.holdsImages(read) && read.count == sizes.count)
        let back = try BitsBack.decompressImages(model, file: read)
        for (i, image) in images.enumerated() {
            #expect(back[i].height == sizes[i].0 && back[i].width == sizes[i].1)
            #expect(back[i].levels == (try BitsBack.levels(image.reshaped([1, image.count]))), "image \(i)")
        }
        // the padding costs no bits: the likelihood's part counts the images' own values only
        let dims = Double(images.reduce(0) { $0 + $1.count })
        #expect(stats.likelihoodNats / dims > 0 && stats.likelihoodNats / dims < 20)
        // a fixed-size reader refuses the file, another model refuses it, a damaged chain is refused
        #expect(throws: RDAError.self) { try BitsBack.decompress(model, file: read) }
        var other = SeededGenerator(seed: 10)
        #expect(throws: RDAError.self) { try BitsBack.decompressImages(RateDistortionAutoencoder(config: BitsBackSpatialTests.config([3, 8, 8]), rng: &other), file: read) }
        var payload = read.record(0)
        payload[payload.count - 6] ^= 0x04
        let damaged = try CompressedFile(fingerprint: read.fingerprint, shape: read.shape, records: [payload], examplesPerRecord: read.count,
                                         count: read.count, method: .bitsBack, parameters: read.parameters)
        #expect(throws: RDAError.self) { try BitsBack.decompressImages(model, file: damaged) }
    }

    /// A large image's latent map needs more than 2^16 - 1 initial words: format 2 records 4
    /// bytes of them; both formats read back, and a count over the maximum is refused.
    @Test func parametersRecordLargeInitialWordCounts() {
        for latents in [8, 87_381, 501_264, 1 << 30] {
            let p = BitsBack.imageParameters(latents: latents)
            #expect(p.initialWords == Swift.min((latents * LatentBuckets.defaultBucketBits + 31) / 32, BitsBack.Parameters.maximumInitialWords))
            #expect(p.bytes.count == (p.initialWords <= 0xFFFF ? 6 : 8))
            #expect(BitsBack.Parameters(bytes: p.bytes) == p)
        }
        var over = BitsBack.Parameters(latentDim: 1)
        over.initialWords = BitsBack.Parameters.maximumInitialWords + 1
        #expect(BitsBack.Parameters(bytes: over.bytes) == nil)
        #expect(BitsBack.Parameters(bytes: [2, 12, 20, 24, 1, 0, 0]) == nil)
    }

    /// The padding a decoder rebuilds is `ImageCodec.padded`'s (edge replication).
    @Test func paddingMatchesTheImageCodecs() {
        let image = BitsBackSpatialTests.images(1, shape: [2, 3, 5], seed: 4).reshaped([2, 3, 5])
        let padded = ImageCodec.padded(image, multiple: 4)
        var e = [UInt8](repeating: 0, count: padded.count)
        for idx in BitsBack.codedIndices(channels: 2, height: 3, width: 5, paddedHeight: 4, paddedWidth: 8) {
            e[idx] = UInt8((padded.data[idx] * 255).rounded())
        }
        BitsBack.fillPadding(&e, channels: 2, height: 3, width: 5, paddedHeight: 4, paddedWidth: 8)
        #expect(e == padded.values.map { UInt8(($0 * 255).rounded()) })
        #expect(BitsBack.codedIndices(channels: 2, height: 3, width: 5, paddedHeight: 4, paddedWidth: 8).count == 30)
    }
}
