import Testing
import Foundation
import RDACore
import RDACoding
import RDAModel
import RDATestSupport

/// decode(encode(symbols)) == symbols for every example of the MNIST and Fashion-MNIST test sets,
/// through a real `.rdac` file's bytes, with a small quantized model trained on each set.
@Suite("Every test image round-trips through the coder")
struct TestSetRoundTripTests {
    /// MNIST from ../shared/data; Fashion-MNIST from there or from Debian's package.
    static func folder(_ name: String) -> URL? {
        name == "mnist" ? sharedData?.appendingPathComponent("mnist") : SharedData.fashionMNIST
    }

    @Test(.enabled(if: folder("mnist") != nil, "needs ../shared/data/mnist"))
    func everyMNISTTestImageDecodesToItsSymbols() throws { try everyTestImageDecodesToItsSymbols("mnist") }

    @Test(.enabled(if: folder("fashion-mnist") != nil, "needs ../shared/data/fashion-mnist or apt-get install dataset-fashion-mnist"))
    func everyFashionMNISTTestImageDecodesToItsSymbols() throws { try everyTestImageDecodesToItsSymbols("fashion-mnist") }

    func everyTestImageDecodesToItsSymbols(_ name: String) throws {
        let source = DataSource.idx(name)
        let folder = try #require(Self.folder(name))
        let train = try source.load(split: .train, dataDir: folder.path, examples: 1024)
        let test = try source.load(split: .test, dataDir: folder.path)
        var rng = SeededGenerator(seed: 1)
        let cfg = ModelConfig(arch: .mlp, exampleShape: train.exampleShape, latentDim: 8, widths: [32],
                              distortion: .l2, lambda: 16, sigmoidOutput: true, data: name, channel: .quantized(components: 3))
        let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
        var opts = TrainingOptions()
        opts.schedule = .cosine   // annealed (TrainingOptions() has the image default, constant)
        opts.epochs = 2; opts.testExamplesPerEpoch = 0; opts.learningRate = 3e-3
        _ = try Trainer(model: model, options: opts).train(on: train, test: nil)
        let symbols = try Codec.symbols(model, examples: test.examples)
        #expect(symbols.count == test.count)
        let distinct = Set(symbols.flatMap { $0 }).count
        #expect(distinct >= 3, "a trained model uses several symbols (\(distinct))")
        let file = try Codec.compress(model, examples: test.examples)
        let decoded = try Codec.decodeSymbols(model, file: try CompressedFile(bytes: file.bytes))
        #expect(decoded == symbols)
    }
}
