import Testing
import Foundation
import RDACore
import RDAIO
@testable import RDAModel

@Suite("Model files describe their architecture")
struct ArchitectureDescriptionTests {
    func model(_ arch: Architecture, prior: Prior.Kind = .standard, shape: [Int] = [1, 8, 8], seed: UInt64 = 1) -> RateDistortionAutoencoder {
        var rng = SeededGenerator(seed: seed)
        let widths = arch == .conv ? [4, 6] : (arch == .mlp ? [16, 8] : [])
        let cfg = ModelConfig(arch: arch, exampleShape: shape, latentDim: 3, widths: widths,
                              distortion: .l2, lambda: 2, sigmoidOutput: arch != .linear, data: "test", channel: .gaussian(prior: prior))
        return RateDistortionAutoencoder(config: cfg, rng: &rng)
    }

    @Test func convLayersInOrderWithTheirHyperparameters() throws {
        let d = ArchitectureDescription(model(.conv))
        #expect(d.encoder.map(\.kind) == ["reshape", "conv2d", "relu", "conv2d", "relu", "flatten", "linear"])
        #expect(d.decoder.map(\.kind) == ["linear", "relu", "reshape", "conv_transpose2d", "relu", "conv_transpose2d", "sigmoid", "flatten"])
        let c1 = d.encoder[1]
        #expect(c1.inChannels == 1 && c1.outChannels == 4 && c1.kernelSize == 4 && c1.stride == 2 && c1.padding == 1)
        let t1 = d.decoder[3]
        #expect(t1.inChannels == 6 && t1.outChannels == 4 && t1.stride == 2 && t1.padding == 1 && t1.outputPadding == 0)
        #expect(d.encoder[0].shape == [1, 8, 8] && d.decoder[2].shape == [6, 2, 2])
        #expect(d.encoder[6].inFeatures == 6 * 2 * 2 && d.encoder[6].outFeatures == 6)
        #expect(d.channel.encoderOutputs == 6 && d.channel.logvarClamp == [-30, 20] && d.flattenOrder == "NCHW")
    }

    @Test(arguments: [Architecture.linear, .mlp, .conv])
    func everyTensorIsNamedOnceAndExists(_ arch: Architecture) throws {
        let m = model(arch, prior: .learned)
        let d = ArchitectureDescription(m)
        var named = (d.encoder + d.decoder).flatMap { ($0.tensors ?? [:]).values }
        named += (d.prior.tensors ?? [:]).values
        #expect(named.sorted() == m.namedParameters.map(\.name).sorted())
        // the widths in the description match the tensors' shapes
        let shapes = Dictionary(uniqueKeysWithValues: m.namedParameters.map { ($0.name, $0.tensor.shape) })
        for layer in d.encoder + d.decoder where layer.kind == "linear" {
            #expect(shapes[layer.tensors!["weight"]!] == [layer.outFeatures!, layer.inFeatures!])
        }
    }

    @Test func savedFilesCarryTheDescriptionAndOldFilesStillLoad() throws {
        let m = model(.mlp, prior: .learned)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-arch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(Checkpoint.fileName)
        try Checkpoint.save(m, to: url)
        var file = try SafetensorsFile.read(from: url)
        let text = try #require(file.metadata["rda.architecture"])
        let back = try JSONDecoder().decode(ArchitectureDescription.self, from: Data(text.utf8))
        #expect(back == ArchitectureDescription(m))
        // a file written before the key existed loads to the same weights
        file.metadata["rda.architecture"] = nil
        let old = dir.appendingPathComponent("old.safetensors")
        try file.write(to: old)
        let loaded = try Checkpoint.load(old.path)
        for ((n1, t1), (n2, t2)) in zip(m.namedParameters, loaded.namedParameters) { #expect(n1 == n2 && t1.values == t2.values) }
        // an unknown format is refused with one line
        file.metadata["rda.format"] = "rda-model-99"
        let future = dir.appendingPathComponent("future.safetensors")
        try file.write(to: future)
        #expect(throws: RDAError.self) { try Checkpoint.load(future.path) }
    }
}
