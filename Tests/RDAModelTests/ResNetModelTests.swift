import Testing
import Foundation
import RDACore
import RDATestSupport
@testable import RDAModel

/// `Architecture.resnet` (`ResNetwork`): gradients, parameter names and counts, configuration
/// and checkpoint round trips, refusals of bad options.
@Suite("The resnet architecture")
struct ResNetModelTests {
    static func config(shape: [Int] = [1, 8, 8], widths: [Int] = [2, 3], blocks: Int = 1, hidden: Int = 5, k: Int = 2,
                       distortion: DistortionKind = .l2, channel: ChannelConfig = .gaussian(prior: .standard)) -> ModelConfig {
        ModelConfig(arch: .resnet, exampleShape: shape, latentDim: k, widths: widths, distortion: distortion, lambda: 3,
                    sigmoidOutput: distortion.decoderOutputsPerDimension == 1, data: "test", channel: channel,
                    resBlocks: blocks, hidden: hidden)
    }

    static func model(_ cfg: ModelConfig, seed: UInt64 = 1) -> RateDistortionAutoencoder {
        var rng = SeededGenerator(seed: seed)
        return RateDistortionAutoencoder(config: cfg, rng: &rng)
    }

    /// The training objective's gradient with respect to every parameter, against finite
    /// differences (fixed channel noise).
    @Test func objectiveGradientsMatchFiniteDifferences() {
        let cfg = Self.config(shape: [1, 4, 4])
        let model = Self.model(cfg, seed: 2)
        var rng = SeededGenerator(seed: 3)
        // the blocks' second convolutions start at zero (blocks start as the identity); move
        // them off it so that every gradient is probed
        for p in model.parameters where p.values.allSatisfy({ $0 == 0 }) {
            for i in 0..<p.count { p.data[i] = Float.random(in: -0.3...0.3, using: &rng) }
        }
        let y = Tensor.randomUniform([3, 16], low: 0, high: 1, using: &rng)
        let eps = Tensor.randomNormal([3, 2], using: &rng)
        checkGradients(model.parameters, eps: 1e-3, rtol: 5e-2, atol: 5e-3) { _ in
            model.forward(y, noise: eps).objective(lambda: cfg.lambda).reshaped([1])
        }
    }

    /// Every tensor under the name PyTorch would give it, the shapes `CheckpointValidation`
    /// computes without building, and the count of the closed form.
    @Test(arguments: [0, 1, 2], [DistortionKind.l2, .discretizedLogistic])
    func namesShapesAndCountsAgree(blocks: Int, distortion: DistortionKind) throws {
        for channel in [ChannelConfig.gaussian(prior: .learned), ChannelConfig.quantized()] {
            let (c, h, w, c1, c2, hd, k) = (3, 8, 12, 4, 6, 7, 5)
            let cfg = Self.config(shape: [c, h, w], widths: [c1, c2], blocks: blocks, hidden: hd, k: k, distortion: distortion, channel: channel)
            let model = Self.model(cfg)
            let built = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.tensor.shape) })
            #expect(try CheckpointValidation.expectedShapes(cfg) == built)
            let m = distortion.decoderOutputsPerDimension, outputs = k * cfg.channelSettings.encoderOutputsPerLatent
            let flat = c2 * (h / 4) * (w / 4)
            func block(_ ch: Int) -> Int { 2 * (ch * ch * 9 + ch) }
            let encoder = (c1 * c * 16 + c1) + blocks * block(c1) + (c2 * c1 * 16 + c2) + blocks * block(c2)
                + (flat * hd + hd) + (hd * outputs + outputs)
            let decoder = (k * hd + hd) + (hd * flat + flat) + blocks * block(c2) + (c2 * c1 * 16 + c1) + blocks * block(c1)
                + (c1 * c * m * 16 + c * m)
            #expect(model.encoder.parameterCount == encoder)
            #expect(model.decoder.parameterCount == decoder)
            // nn.Sequential's indices: the first block's convolutions are encoder.3.0 and encoder.3.2
            if blocks > 0 {
                #expect(built["encoder.3.0.weight"] == [c1, c1, 3, 3] && built["encoder.3.2.bias"] == [c1])
                #expect(built["decoder.5.0.weight"] == [c2, c2, 3, 3])
            }
            #expect(built["encoder.\(6 + 2 * blocks).weight"] == [hd, flat])
            #expect(model.decode(Tensor(zeros: [2, k])).shape == [2, c * h * w])
            #expect(model.decoderOutputs(Tensor(zeros: [2, k])).shape == [2, m * c * h * w])
        }
    }

    /// Each block starts as the identity on the non-negative maps it gets (its second
    /// convolution is zero), whatever the seed; the other layers keep PyTorch's initialization.
    @Test func blocksStartAsTheIdentity() throws {
        let model = Self.model(Self.config(widths: [3, 4], blocks: 2), seed: 5)
        let blocks = (model.encoder.layers + model.decoder.layers).compactMap { $0 as? Residual }
        #expect(blocks.count == 8)
        var rng = SeededGenerator(seed: 6)
        for block in blocks {
            let last = try #require(block.body.layers.last as? Conv2d)
            #expect(last.parameters.allSatisfy { $0.values.allSatisfy { $0 == 0 } })
            let first = try #require(block.body.layers.first as? Conv2d)
            #expect(first.weight.values.contains { $0 != 0 })
            let c = first.weight.shape[0]
            let x = Tensor.randomUniform([2, c, 4, 4], low: 0, high: 1, using: &rng)
            #expect(withoutGradients { block(x) }.values == x.values)
        }
    }

    @Test func checkpointRoundTripKeepsTheBlocksAndHiddenWidth() throws {
        let model = Self.model(Self.config(blocks: 2, hidden: 7))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-resnet-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Checkpoint.save(model, to: dir.appendingPathComponent(Checkpoint.fileName))
        let back = try Checkpoint.load(dir.path)
        #expect(back.config == model.config && back.config.resBlocks == 2 && back.config.hidden == 7)
        for ((n1, t1), (n2, t2)) in zip(model.namedParameters, back.namedParameters) { #expect(n1 == n2 && t1.values == t2.values) }
        var rng = SeededGenerator(seed: 4)
        let y = Tensor.randomUniform([3, 64], low: 0, high: 1, using: &rng)
        let eps = Tensor.randomNormal([3, 2], using: &rng)
        #expect(withoutGradients { model.forward(y, noise: eps).yHat.values } == withoutGradients { back.forward(y, noise: eps).yHat.values })
    }

    /// resnet writes its two sizes; the other families' files stay as they were; a resnet
    /// configuration without them reads with the defaults.
    @Test func configurationWritesTheSizesOnlyForResnet() throws {
        let resnet = String(decoding: try JSONEncoder().encode(Self.config(blocks: 3, hidden: 9)), as: UTF8.self)
        #expect(resnet.contains("\"resBlocks\":3") && resnet.contains("\"hidden\":9"))
        var conv = Self.config(); conv.arch = .conv
        let convText = String(decoding: try JSONEncoder().encode(conv), as: UTF8.self)
        #expect(!convText.contains("resBlocks") && !convText.contains("hidden"))
        var object = try JSONSerialization.jsonObject(with: Data(resnet.utf8)) as! [String: Any]
        object["resBlocks"] = nil; object["hidden"] = nil
        let old = try JSONDecoder().decode(ModelConfig.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.resBlocks == ResNetwork.defaultResBlocks && old.hidden == ResNetwork.defaultHidden)
    }

    @Test func badConfigurationsAreRefused() {
        let bad: [(ModelConfig, String)] = [
            (Self.config(shape: [64]), "multiples of 4"),
            (Self.config(shape: [1, 6, 8]), "multiples of 4"),
            (Self.config(widths: [4]), "two channel widths"),
            (Self.config(blocks: -1), "res-blocks"),
            (Self.config(blocks: ResNetwork.maximumResBlocks + 1), "res-blocks"),
            (Self.config(hidden: 0), "hidden"),
            (Self.config(shape: [1, 1 << 20, 1 << 20], widths: [4, 1 << 20]), "elements"),
        ]
        for (cfg, words) in bad {
            #expect(throws: RDAError.self, "\(words)") { try CheckpointValidation.expectedShapes(cfg) }
            #expect((try? CheckpointValidation.expectedShapes(cfg)) == nil)
            do { _ = try CheckpointValidation.expectedShapes(cfg) } catch let e as RDAError {
                #expect(e.message.contains(words), "\(e.message)")
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func requestOptionsAreCheckedBeforeTraining() {
        func request(_ arch: Architecture?, blocks: Int? = nil, hidden: Int? = nil) -> TrainRequest {
            var r = TrainRequest(); r.arch = arch; r.resBlocks = blocks; r.hidden = hidden; return r
        }
        let refused: [(TrainRequest, String)] = [
            (request(.conv, blocks: 2), "‹res-blocks› 2 is for ‹arch› resnet only"),
            (request(nil, hidden: 64), "‹hidden› 64 is for ‹arch› resnet only"),
            (request(.resnet, blocks: -1), "‹res-blocks› -1 must be 0...\(ResNetwork.maximumResBlocks)"),
            (request(.resnet, blocks: 65), "‹res-blocks› 65 must be"),
            (request(.resnet, hidden: 0), "‹hidden› 0 must be"),
        ]
        for (r, words) in refused {
            do { try r.validate(); Issue.record("accepted: \(words)") } catch let e as RDAError {
                #expect(e.message.hasPrefix(RDAError(words).message) && !e.message.contains("\n"), "\(e.message)")
            } catch { Issue.record("\(error)") }
        }
        #expect(throws: Never.self) { try request(.resnet, blocks: 0, hidden: 1).validate() }
    }

    /// The description names every tensor once, inside the residual layers' bodies, and reads back.
    @Test func architectureDescriptionNestsTheBlocks() throws {
        let m = Self.model(Self.config(blocks: 1))
        let d = ArchitectureDescription(m)
        #expect(d.encoder.map(\.kind) == ["reshape", "conv2d", "relu", "residual", "conv2d", "relu", "residual", "flatten", "linear", "relu", "linear"])
        #expect(d.decoder.map(\.kind) == ["linear", "relu", "linear", "relu", "reshape", "residual", "conv_transpose2d", "relu", "residual",
                                          "conv_transpose2d", "sigmoid", "flatten"])
        let block = d.encoder[3]
        #expect(block.activation == "relu" && block.tensors == nil && block.body?.map(\.kind) == ["conv2d", "relu", "conv2d"])
        #expect(block.body?[0].tensors == ["weight": "encoder.3.0.weight", "bias": "encoder.3.0.bias"])
        #expect(block.body?[2].kernelSize == 3 && block.body?[2].padding == 1 && block.body?[2].stride == 1)
        func names(_ layers: [ArchitectureDescription.LayerDescription]) -> [String] {
            layers.flatMap { ($0.tensors ?? [:]).values + names($0.body ?? []) }
        }
        #expect((names(d.encoder) + names(d.decoder)).sorted() == m.namedParameters.map(\.name).sorted())
        let text = try d.json()
        #expect(try JSONDecoder().decode(ArchitectureDescription.self, from: Data(text.utf8)) == d)
    }
}
