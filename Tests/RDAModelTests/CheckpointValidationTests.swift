import Testing
import Foundation
import RDACore
import RDAIO
@testable import RDAModel

/// A model file's configuration is checked against limits and against its tensors before any
/// network is built; non-finite weights are refused naming the tensor.
@Suite("Model files: configuration validated before allocation")
struct CheckpointValidationTests {
    func config(_ arch: Architecture, shape: [Int] = [1, 8, 12], k: Int = 3, widths: [Int]? = nil, prior: Prior.Kind = .standard,
                channel: String = "gaussian", components: Int? = nil, distortion: DistortionKind = .l2) -> ModelConfig {
        ModelConfig(arch: arch, exampleShape: shape, latentDim: k,
                    widths: widths ?? (arch == .conv ? [4, 6] : (arch == .mlp ? [16, 8, 5] : [])),
                    distortion: distortion, lambda: 2, sigmoidOutput: arch != .linear && distortion == .l2, data: "test",
                    channel: channel == "gaussian" ? .gaussian(prior: prior) : .quantized(components: components ?? QuantizedBottleneck.defaultComponents))
    }

    /// The shapes computed from the configuration alone are exactly those of a built model.
    @Test(arguments: [Architecture.linear, .mlp, .conv], [(Prior.Kind.standard, "gaussian", nil as Int?), (.learned, "gaussian", nil),
                                                           (.standard, "quantized", nil), (.standard, "quantized", 5)])
    func expectedShapesMatchABuiltModel(_ arch: Architecture, _ bottleneck: (Prior.Kind, String, Int?)) throws {
        for shape in arch == .conv ? [[1, 8, 12], [3, 4, 4]] : [[1, 8, 12], [5]] {
            let cfg = config(arch, shape: shape, prior: bottleneck.0, channel: bottleneck.1, components: bottleneck.2)
            var rng = SeededGenerator(seed: 1)
            let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
            let built = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.tensor.shape) })
            #expect(try CheckpointValidation.expectedShapes(cfg) == built)
            #expect(try MemoryEstimate.parameterCount(cfg) == model.parameters.reduce(0) { $0 + $1.count })
        }
    }

    /// The discretized logistic's decoder gives two outputs per dimension; the computed shapes follow.
    @Test(arguments: [Architecture.linear, .mlp, .conv])
    func discretizedLogisticShapesMatchABuiltModel(_ arch: Architecture) throws {
        let cfg = config(arch, distortion: .discretizedLogistic)
        var rng = SeededGenerator(seed: 1)
        let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
        let built = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.tensor.shape) })
        #expect(try CheckpointValidation.expectedShapes(cfg) == built)
        #expect(model.decoderOutputs(Tensor(zeros: [2, 3])).shape == [2, 2 * 96])
        #expect(model.decode(Tensor(zeros: [2, 3])).shape == [2, 96])
    }

    @Test func outOfRangeConfigurationsAreRefused() {
        let bad: [(ModelConfig, String)] = [
            (config(.linear, k: 0), "latent size 0"),
            (config(.linear, k: -5), "latent size -5"),
            (config(.linear, k: 1_000_000_000), "latent size 1000000000"),
            (config(.conv, shape: [784]), "[784]"),
            (config(.conv, widths: [32]), "two channel"),
            (config(.conv, shape: [1, 10, 12]), "multiples of 4"),
            (config(.mlp, shape: [1 << 40, 1 << 40]), "2 dimensions"),
            (config(.mlp, shape: [1, 1 << 40, 1 << 40]), "outside"),
            (config(.mlp, shape: [1 << 22, 1 << 22, 1 << 22]), "too large"),
            (config(.mlp, shape: [0]), "outside"),
            (config(.mlp, widths: [16, -1]), "widths"),
            (config(.mlp, shape: [1, 1 << 16, 1 << 16], widths: [1 << 20]), "elements"),
            (config(.linear, shape: [1 << 24], k: 1 << 24), "elements"),
        ]
        for (cfg, words) in bad {
            #expect {
                try CheckpointValidation.expectedShapes(cfg)
            } throws: { error in
                (error as? RDAError)?.message.contains(words) == true
            }
        }
        #expect(throws: RDAError.self) { try CheckpointValidation.expectedShapes(config(.linear, channel: "quantized", components: 0)) }
        #expect(throws: RDAError.self) { try CheckpointValidation.expectedShapes(config(.linear, channel: "quantized", components: 1000)) }
        var nanLambda = config(.linear); nanLambda.lambda = .nan
        #expect(throws: RDAError.self) { try CheckpointValidation.expectedShapes(nanLambda) }
    }

    /// Writes a model, then its file with the configuration in the metadata replaced by `edit`'s.
    func tamperedFile(_ edit: (inout ModelConfig) -> Void, in dir: URL) throws -> URL {
        let cfg = config(.mlp, shape: [6], widths: [5])
        var rng = SeededGenerator(seed: 3)
        let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
        let url = dir.appendingPathComponent("m-\(UUID().uuidString).safetensors")
        try Checkpoint.save(model, to: url)
        var file = try SafetensorsFile.read(from: url)
        var changed = cfg
        edit(&changed)
        file.metadata["rda.config"] = String(decoding: try JSONEncoder().encode(changed), as: UTF8.self)
        try file.write(to: url)
        return url
    }

    @Test func loadRefusesTamperedConfigurationsBeforeBuilding() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-ckv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let edits: [((inout ModelConfig) -> Void, String)] = [
            ({ $0.latentDim = 1_000_000_000 }, "latent size"),     // would allocate terabytes
            ({ $0.latentDim = 0 }, "latent size"),
            ({ $0.latentDim = 2 }, "shape"),                       // consistent, but not these tensors
            ({ $0.arch = .conv }, "[C, H, W]"),
            ({ $0.exampleShape = [1 << 40] }, "outside"),
            ({ $0.widths = [5, 5] }, "decoder.2.bias"),          // the first mismatch in name order
        ]
        for (edit, words) in edits {
            let url = try tamperedFile(edit, in: dir)
            #expect {
                try Checkpoint.load(url.path)
            } throws: { error in
                let m = (error as? RDAError)?.message ?? ""
                return m.contains(words) && m.contains(url.lastPathComponent) && !m.contains("\n")
            }
        }
        // the untouched file loads
        #expect(throws: Never.self) { try Checkpoint.load(try tamperedFile({ _ in }, in: dir).path) }
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightsAreRefusedNamingTheTensor(_ bad: Float) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-ckv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try tamperedFile({ _ in }, in: dir)
        var file = try SafetensorsFile.read(from: url)
        var values = file.tensors["decoder.0.bias"]!.values
        values[2] = bad
        file.set("decoder.0.bias", shape: file.tensors["decoder.0.bias"]!.shape, values: values)
        try file.write(to: url)
        #expect {
            try Checkpoint.load(url.path)
        } throws: { error in
            let m = (error as? RDAError)?.message ?? ""
            return m.contains("decoder.0.bias") && m.contains("element 2") && m.contains("\(bad)")
        }
    }
}

/// Hundreds of generated configurations with extreme fields, each written beside a small
/// model's tensors: `Checkpoint.load` either loads (when they happen to fit) or throws an
/// `RDAError`, quickly, never traps or allocates what the configuration asks for.
@Suite("Model files: generated configurations")
struct GeneratedConfigurationTests {
    @Test func generatedConfigurationsNeverCrash() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-gen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = ModelConfig(arch: .mlp, exampleShape: [1, 4, 4], latentDim: 2, widths: [4],
                              distortion: .l2, lambda: 1, sigmoidOutput: true, data: "test", channel: .gaussian(prior: .learned))
        var rng = SeededGenerator(seed: 5)
        let url = dir.appendingPathComponent("m.safetensors")
        try Checkpoint.save(RateDistortionAutoencoder(config: cfg, rng: &rng), to: url)
        let base = try SafetensorsFile.read(from: url)
        let sizes = [-(1 << 62), -5, -1, 0, 1, 2, 3, 4, 8, 16, 1 << 20, 1 << 24, (1 << 24) + 1, 1 << 31, 1 << 40, Int.max]
        var state: UInt64 = 0xC0FF_EE12_3456_789A
        func pick<T>(_ xs: [T]) -> T {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return xs[Int(state % UInt64(xs.count))]
        }
        let start = Date()
        var loaded = 0, refused = 0
        for _ in 0..<400 {
            var c = cfg
            c.arch = pick(Architecture.allCases)
            c.latentDim = pick(sizes + [2, 2, 2])
            c.exampleShape = pick([[], [16], [1, 4, 4], [1, 4], [pick(sizes)], [1, pick(sizes), 4], [pick(sizes), pick(sizes), pick(sizes)], [1, 4, 4, 1]])
            c.widths = pick([[], [4], [4, 4], [pick(sizes)], [pick(sizes), pick(sizes)], [4, 4, 4]])
            c.lambda = pick([1, 0, -1, 1e-300, 1e300, 2.5])
            // the channel's own keys, written as any file could hold them
            var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as! [String: Any]
            object["prior"] = pick(Prior.Kind.allCases).rawValue
            object["channel"] = pick(["gaussian", "gaussian", "quantized", "unknown"] as [String])
            object["priorComponents"] = pick([nil, nil, 0, 1, 3, 9, -1, Int.max] as [Int?])
            var file = base
            file.metadata["rda.config"] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            let data = try file.encoded()
            try data.write(to: url)
            do { _ = try Checkpoint.load(url.path); loaded += 1 } catch is RDAError { refused += 1 }
        }
        #expect(loaded + refused == 400)
        #expect(refused > 300)
        #expect(Date().timeIntervalSince(start) < 20)
    }
}
