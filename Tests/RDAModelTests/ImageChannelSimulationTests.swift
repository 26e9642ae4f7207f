import Testing
import Foundation
import RDACoding
import RDACore
@testable import RDAModel

/// Images of any size through a spatial Gaussian model by channel simulation: the decoder
/// regenerates the encoder's latent exactly, at any thread count; sizes come back exactly; the
/// file costs about the KL; damaged records and other files are refused in one line.
@Suite("Image channel simulation: any size, the encoder's latent regenerated")
struct ImageChannelSimulationTests {
    /// SpatialStandardizationTests' trained model: a learned prior away from N(0, 1), so the
    /// standardization and its inverse are exercised.
    static let model = SpatialStandardizationTests.trainedModel()

    static func image(_ h: Int, _ w: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.randomUniform([3, h, w], low: 0, high: 1, using: &rng)
    }

    static let images = [(1, 1), (17, 33), (12, 8)].enumerated().map { image($0.element.0, $0.element.1, seed: UInt64(40 + $0.offset)) }

    static func code(threads: Int, settings: ImageChannelSimulation.Settings) throws -> [ImageChannelSimulation.Coded] {
        try images.enumerated().map { try ImageChannelSimulation.encode(model, image: $0.element, index: $0.offset, settings: settings, threads: threads) }
    }

    @Test func decodingRegeneratesTheEncodersLatentAndSize() throws {
        let m = Self.model
        let settings = try ImageChannelSimulation.Settings(blockBits: 4, candidateBits: 8, seed: 12)
        let coded = try Self.code(threads: 1, settings: settings)
        #expect(coded.reduce(0) { $0 + $1.klBits } > 1, "the model sends nothing: the test codes no latent")
        #expect(try Self.code(threads: 2, settings: settings).map(\.record) == coded.map(\.record), "records differ at 2 threads")
        let file = try CompressedFile(bytes: try ImageChannelSimulation.file(m, coded: coded, settings: settings).bytes)
        #expect(ImageChannelSimulation.holds(file))
        let decoded = try ImageChannelSimulation.decode(m, file: file)
        for (i, d) in decoded.enumerated() {
            #expect(d.shape == Self.images[i].shape)
            // the pixels are the decoder's output for the encoder's own latent, cropped
            let (ph, pw) = (ImageCodec.paddedSide(Self.images[i].shape[1], m), ImageCodec.paddedSide(Self.images[i].shape[2], m))
            let sized = try m.resized(height: ph, width: pw)
            let y = try ChannelSimulationCodec.reconstruct(sized, latents: coded[i].latent)
            #expect(ImageCodec.cropped(y.reshaped([3, ph, pw]), height: Self.images[i].shape[1], width: Self.images[i].shape[2]).values == d.values, "image \(i)")
        }
        // another image's latent differs: the test would see a decoder that ignored the indices
        #expect(coded[1].latent != coded[2].latent)
    }

    /// The plan's position order is a permutation for every map size, and it spreads: the first
    /// quarter of the plan's positions reaches every quarter of the map.
    @Test func spreadOrderIsASpreadingPermutation() {
        for n in Array(0...200) + [256, 1024, 1536, 4096, 65536] {
            let order = ImageChannelSimulation.spreadOrder(positions: n)
            #expect(order.sorted() == Array(0..<n), "not a permutation of \(n)")
            if n >= 64 {
                let quarters = Set(order[0..<(n / 4)].map { 4 * $0 / n })
                #expect(quarters.count == 4, "\(n): the first quarter reaches only quarters \(quarters.sorted())")
            }
        }
        let v = (0..<(3 * 10)).map(Double.init)
        let order = ImageChannelSimulation.spreadOrder(positions: 10)
        #expect(ImageChannelSimulation.fromPlanOrder(ImageChannelSimulation.toPlanOrder(v, channels: 3, order: order), channels: 3, order: order) == v)
        #expect(ImageChannelSimulation.toPlanOrder(v, channels: 3, order: order) != v)
    }

    /// The payload stays within the PFR's bound of the KL plus the per-channel figures.
    @Test func bitsAreAboutTheKL() throws {
        let settings = try ImageChannelSimulation.Settings(blockBits: 6, candidateBits: 12)
        let coded = try Self.code(threads: 2, settings: settings)
        for c in coded {
            let bits = Double(c.record.count * 8 - c.sideBits)
            #expect(bits <= c.klBits + Double(c.blocks) * (Foundation.log2(Double(settings.blockBits) + 1) + 4) + 16 + 8 * 15,
                    "\(bits) bits for a KL of \(c.klBits) in \(c.blocks) blocks")
        }
    }

    /// A record declaring the largest image (2^26 pixels) with every channel at 256 bits a
    /// dimension asks for a plan of tens of gigabytes: refused in one line before it is built.
    @Test func aPlanLargerThanMemoryIsRefused() throws {
        let m = Self.model
        let settings = try ImageChannelSimulation.Settings(blockBits: 1, candidateBits: 8)
        var record: [UInt8] = []
        LEB128.append(1024, to: &record)
        LEB128.append(65536, to: &record)
        for _ in 0..<3 { LEB128.append(65535, to: &record) }
        for _ in 0..<3 { LEB128.append(0, to: &record) }
        for f in [4096 - 9] + [UInt64](repeating: 1, count: 9) { LEB128.append(UInt64(f), to: &record) }
        record += [0, 0, 0, 0]
        let file = try CompressedFile(fingerprint: m.fingerprint, shape: ImageCodec.fileShape(m), records: [record],
                                      method: .channelSimulation, parameters: settings.bytes)
        let positions = (1024 / 4) * (65536 / 4)
        let bytes = try #require(ImageChannelSimulation.planBytes(settings: settings, meanKL: [65535, 65535, 65535], positions: positions))
        #expect(bytes > 30_000_000_000, "the estimate \(bytes) is too small for 805 million steps")
        guard bytes > MemoryEstimate.available else { return }   // a machine that could hold it would build it
        let error = #expect(throws: RDAError.self) { try ImageChannelSimulation.decode(m, file: file) }
        #expect(error?.description.contains("channel-simulation plan") == true, "refused for another reason: \(String(describing: error))")
    }

    @Test func damagedFilesAndOtherModelsAreRefused() throws {
        let m = Self.model
        let settings = try ImageChannelSimulation.Settings(blockBits: 4, candidateBits: 8)
        let coded = try Self.code(threads: 1, settings: settings)
        let file = try ImageChannelSimulation.file(m, coded: coded, settings: settings)
        // settings out of range
        #expect(throws: RDAError.self) { try ImageChannelSimulation.Settings(blockBits: 0) }
        #expect(throws: RDAError.self) { try ImageChannelSimulation.Settings(blockBits: 9, candidateBits: 8) }
        #expect(throws: RDAError.self) { try ImageChannelSimulation.Settings(bytes: [1, 30, 31] + [UInt8](repeating: 0, count: 8)) }
        #expect(throws: RDAError.self) { try ImageChannelSimulation.Settings(bytes: [2, 4, 8] + [UInt8](repeating: 0, count: 8)) }
        // a record cut short or with bytes flipped: refused or decoded, never a crash
        var refused = 0
        for i in 0..<file.recordCount {
            let r = file.record(i)
            for cut in [1, r.count / 2, r.count - 1] where cut < r.count {
                var records = (0..<file.recordCount).map(file.record)
                records[i] = Array(r[0..<cut])
                let bad = try CompressedFile(fingerprint: m.fingerprint, shape: file.shape, records: records, method: .channelSimulation, parameters: file.parameters)
                do { _ = try ImageChannelSimulation.decode(m, file: bad) } catch is RDAError { refused += 1 }
            }
        }
        #expect(refused >= file.recordCount, "no cut record was refused")
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<40 {
            var records = (0..<file.recordCount).map(file.record)
            let i = Int(rng.next() % UInt64(records.count)), j = Int(rng.next() % UInt64(records[i].count))
            records[i][j] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            let bad = try CompressedFile(fingerprint: m.fingerprint, shape: file.shape, records: records, method: .channelSimulation, parameters: file.parameters)
            _ = try? ImageChannelSimulation.decode(m, file: bad)
        }
        // another model's file, and a quantized model given this file
        var rng2 = SeededGenerator(seed: 8)
        let other = RateDistortionAutoencoder(config: m.config, rng: &rng2)
        #expect(throws: RDAError.self) { try ImageChannelSimulation.decode(other, file: file) }
        #expect(throws: RDAError.self) { try ImageCodec.decode(ImageCodecTests.model(), file: file) }
    }
}
