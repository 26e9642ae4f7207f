import RDAReport
import Testing
import Foundation
import RDACore
import RDAIO
import RDATestSupport
@testable import RDAModel

/// Examples are [C, H, W] with C = 1 or 3: colour IDX files load as channel-planar examples, the
/// architectures take C channels, and pictures of a colour model are RGB.
@Suite("Colour images [3, H, W]")
struct ColourDatasetTests {
    /// A folder with train (`n` images) and test (`n / 2`) colour IDX4 files of `h` x `w` pixels.
    static func colourFolder(n: Int = 12, h: Int = 4, w: Int = 4) throws -> (URL, IDXImages) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-colour-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let train = IDXImages(count: n, rows: h, cols: w, channels: 3, pixels: (0..<(n * h * w * 3)).map { UInt8(($0 * 37 + 11) % 256) })
        let test = IDXImages(count: n / 2, rows: h, cols: w, channels: 3, pixels: (0..<(n / 2 * h * w * 3)).map { UInt8(($0 * 53) % 256) })
        try IDX.writeImages(train, to: dir.appendingPathComponent("train-images-idx4-ubyte"))
        try IDX.writeImages(test, to: dir.appendingPathComponent("t10k-images-idx4-ubyte.gz"), gzip: true)
        return (dir, train)
    }

    @Test func colourIDXLoadsAsChannelPlanarExamples() throws {
        let (dir, train) = try Self.colourFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try DataSource.idx(dir.path).load(split: .train, dataDir: nil, examples: 5)
        #expect(data.exampleShape == [3, 4, 4] && data.count == 5 && data.isImage && data.imageChannels == 3)
        // example i, channel c, pixel p = byte (p * 3 + c) of image i in the file
        for i in 0..<5 {
            let bytes = Array(train.image(i))
            for c in 0..<3 {
                for p in 0..<16 { #expect(data.examples.data[i * 48 + c * 16 + p] == Float(bytes[p * 3 + c]) / 255) }
            }
        }
        let test = try DataSource.idx(dir.path).load(split: .test, dataDir: nil)
        #expect(test.exampleShape == [3, 4, 4] && test.count == 6)
    }

    @Test func imageTensorsBecomeDataSets() throws {
        var rng = SeededGenerator(seed: 2)
        let images = Tensor.randomUniform([4, 3, 2, 5], low: 0, high: 1, using: &rng)
        let data = try Dataset.images(images)
        #expect(data.exampleShape == [3, 2, 5] && data.examples.shape == [4, 30] && data.examples.values == images.values)
        #expect(throws: RDAError.self) { try Dataset.images(Tensor(zeros: [4, 2, 2, 5])) }
        #expect(throws: RDAError.self) { try Dataset.images(Tensor(zeros: [4, 30])) }
    }

    @Test(arguments: [Architecture.linear, .mlp, .conv])
    func architecturesTakeThreeChannels(_ arch: Architecture) throws {
        var rng = SeededGenerator(seed: 3)
        let cfg = ModelConfig(arch: arch, exampleShape: [3, 8, 8], latentDim: 4, widths: arch == .conv ? [4, 6] : (arch == .mlp ? [16] : []),
                              distortion: .l2, lambda: 2, sigmoidOutput: arch != .linear, data: "test")
        let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.tensor.shape) })
        #expect(try CheckpointValidation.expectedShapes(cfg) == shapes)
        switch arch {
        case .conv:
            #expect(shapes["encoder.1.weight"] == [4, 3, 4, 4] && shapes["decoder.5.weight"] == [4, 3, 4, 4] && shapes["decoder.5.bias"] == [3])
            let d = ArchitectureDescription(model)
            #expect(d.encoder[1].inChannels == 3 && d.decoder[5].outChannels == 3 && d.exampleShape == [3, 8, 8])
        default:
            #expect(shapes["encoder.0.weight"]?[1] == 3 * 8 * 8)
        }
        let y = Tensor.randomUniform([2, 192], low: 0, high: 1, using: &rng)
        #expect(withoutGradients { model.decode(model.forward(y, noise: nil, mode: .noiseless).bottleneck.noiseless) }.shape == [2, 192])
    }

    @Test func picturesOfColourModelsAreRGB() throws {
        let (dir, _) = try Self.colourFolder(n: 8, h: 8, w: 8)
        defer { try? FileManager.default.removeItem(at: dir) }
        let test = try DataSource.idx(dir.path).load(split: .test, dataDir: nil)
        var rng = SeededGenerator(seed: 4)
        let cfg = ModelConfig(arch: .conv, exampleShape: [3, 8, 8], latentDim: 3, widths: [4, 6], distortion: .l2,
                              lambda: 2, sigmoidOutput: true, data: dir.path)
        let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
        let figures = try RunReport.writePictures(model, test: test, seed: 1, scale: 1, into: dir)
        #expect(figures.count == 4)
        for f in figures {
            let png = try PNG.read(from: dir.appendingPathComponent(f.file))
            #expect(png.channels == 3 && png.width == f.grid.width && png.height == f.grid.height && png.pixels == f.grid.pixels)
        }
        // the sheet: cell 0 holds example 0's planes as r, g, b
        let sheet = dir.appendingPathComponent("sheet.png")
        try Pictures.writeSheet(test.examples, shape: [3, 8, 8], columns: 3, to: sheet)
        let png = try PNG.read(from: sheet)
        #expect(png.channels == 3)
        for (x, y) in [(0, 0), (5, 2), (7, 7)] {
            let i = ((2 + y) * png.width + 2 + x) * 3   // padding 2
            let expected = (0..<3).map { ImageGrid.byte(test.examples.data[$0 * 64 + y * 8 + x]) }
            #expect(Array(png.pixels[i..<(i + 3)]) == expected)
        }
        #expect(Pictures.pixelBytes(test.examples, row: 1, shape: [3, 8, 8]).count == 192)
        // shapes PNGs cannot show are refused with one line
        #expect(throws: RDAError.self) { try Pictures.pictureChannels([2, 8, 8], for: "x.png") }
        #expect(throws: RDAError.self) { try Pictures.pictureChannels([5], for: "x.png") }
    }
}
