import Testing
import Foundation
import RDACoding
import RDACore
@testable import RDAModel

/// Images of any size through a spatial quantized model: edge-replication padding and exact
/// cropping, the symbols and sizes restored from the file's bytes, hostile records refused.
@Suite("Image codec: any size, padded and cropped back exactly")
struct ImageCodecTests {
    static func model(seed: UInt64 = 5) -> RateDistortionAutoencoder {
        var rng = SeededGenerator(seed: seed)
        let cfg = ModelConfig(arch: .spatial, exampleShape: [3, 8, 8], latentDim: 3, widths: [4], distortion: .l2, lambda: 8,
                              sigmoidOutput: true, data: "test", channel: .quantized(components: 2))
        let m = RateDistortionAutoencoder(config: cfg, rng: &rng)
        // spread the encoder's outputs over several integers, give the prior some shape
        if let last = m.encoder.layers.dropLast().last as? Conv2d { for i in 0..<last.weight.count { last.weight.data[i] *= 20 } }
        let q = m.bottleneck as! QuantizedBottleneck
        for i in 0..<q.loc.count { q.logScale.data[i] = 0.3 * Float(i % 3) + 0.5 }
        m.bottleneck.finalize()
        return m
    }

    static func image(_ h: Int, _ w: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.randomUniform([3, h, w], low: 0, high: 1, using: &rng)
    }

    @Test func paddingRepeatsTheEdgesAndCroppingRestoresExactly() {
        for (h, w) in [(1, 1), (17, 33), (5, 31), (4, 8)] {
            let x = Self.image(h, w, seed: UInt64(h * 100 + w))
            let p = ImageCodec.padded(x, multiple: 4)
            let (ph, pw) = ((h + 3) / 4 * 4, (w + 3) / 4 * 4)
            #expect(p.shape == [3, ph, pw])
            for c in 0..<3 {
                for y in 0..<ph {
                    for xx in 0..<pw {
                        let v = p.data[(c * ph + y) * pw + xx], src = x.data[(c * h + min(y, h - 1)) * w + min(xx, w - 1)]
                        #expect(v == src, "\(h)x\(w) at \(c),\(y),\(xx)")
                        if v != src { return }
                    }
                }
            }
            #expect(ImageCodec.cropped(p, height: h, width: w).values == x.values)
        }
    }

    @Test func oddSizesRoundTripTheExactSymbolsAndSizes() throws {
        let m = Self.model()
        let images = [(1, 1), (17, 33), (5, 31)].enumerated().map { Self.image($0.element.0, $0.element.1, seed: UInt64($0.offset)) }
        let coded = try ImageCodec.encode(m, images: images)
        let file = try CompressedFile(bytes: try ImageCodec.file(m, coded: coded).bytes)
        let decoded = try ImageCodec.decode(m, file: file)
        #expect(decoded.count == 3)
        #expect(coded.flatMap(\.symbols).contains { $0 != 0 }, "every symbol is 0: the test codes nothing")
        for (i, d) in decoded.enumerated() {
            #expect(d.image.shape == images[i].shape)
            #expect(d.symbols == coded[i].symbols)
            // the pixels are the decoder's output for those symbols at the padded size, cropped
            let (ph, pw) = (ImageCodec.paddedSide(images[i].shape[1], m), ImageCodec.paddedSide(images[i].shape[2], m))
            let sized = try m.resized(height: ph, width: pw)
            let y = withoutGradients { sized.decode(try! Codec.codingChannel(sized).latents([d.symbols])) }
            #expect(ImageCodec.cropped(y.reshaped([3, ph, pw]), height: d.image.shape[1], width: d.image.shape[2]).values == d.image.values)
        }
    }

    @Test func hostileRecordsAndOtherModelsAreRefused() throws {
        let m = Self.model()
        // sizes: zero, over the side limit, over the pixel limit, truncated
        for record: [UInt8] in [[0, 1], [0x81, 0x80, 0x08, 1], [0x80, 0x80, 0x04, 0x80, 0x80, 0x04], [0x80]] {
            #expect(throws: RDAError.self) { try ImageCodec.size(ofRecord: record) }
        }
        let file = try ImageCodec.file(m, coded: try ImageCodec.encode(m, images: [Self.image(9, 9, seed: 1)]))
        #expect(throws: RDAError.self) { try ImageCodec.decode(Self.model(seed: 6), file: file) }
        // a file of fixed-size examples is not a file of images, and the other way round
        var rng = SeededGenerator(seed: 2)
        let examples = try Codec.compress(m, examples: Tensor.randomUniform([2, 192], low: 0, high: 1, using: &rng))
        #expect(!ImageCodec.holdsImages(examples) && ImageCodec.holdsImages(file))
        #expect(throws: RDAError.self) { try ImageCodec.decode(m, file: examples) }
        #expect(throws: RDAError.self) { try Codec.decompress(m, file: file) }
    }
}
