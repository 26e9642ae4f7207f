import RDAIO
import RDAKernels
import Foundation
import Testing
import RDACore
import RDAModel

/// Interrupts training at every checkpoint in turn (mid-epoch and at epoch ends), restores a
/// fresh trainer from the state file and checks that it ends with the same bits as a run that
/// was never interrupted.
@Suite("Training state: exact resume from every checkpoint")
struct ResumeStateTests {
    struct Interrupted: Error {}

    static func setup(_ arch: Architecture) throws -> (Dataset, () -> Trainer) {
        let src = DataSource.gaussian([4, 2, 1, 0.5, 0.25, 0.125, 2, 1])
        let train = try src.load(split: .train, dataDir: nil, examples: 160, dataSeed: 5)
        let makeTrainer = {
            var rng = SeededGenerator(seed: 9)
            let cfg = ModelConfig(arch: arch, exampleShape: [8], latentDim: 3, widths: arch == .mlp ? [12, 6] : [],
                                  distortion: .l2, lambda: 2, sigmoidOutput: false, data: src.description, channel: .gaussian(prior: .learned))
            var opts = TrainingOptions()
            opts.epochs = 3; opts.batchSize = 32; opts.learningRate = 1e-2; opts.schedule = .cosine
            opts.seed = 4; opts.testExamplesPerEpoch = 0; opts.rate = .monteCarlo
            return Trainer(model: RateDistortionAutoencoder(config: cfg, rng: &rng), options: opts)
        }
        return (train, makeTrainer)
    }

    static func bits(_ t: Trainer) -> [UInt32] { t.model.parameters.flatMap { $0.values.map(\.bitPattern) } }

    @Test(arguments: [Architecture.linear, .mlp])
    func resumingFromAnyCheckpointGivesTheSameBits(arch: Architecture) throws {
        let (train, makeTrainer) = try Self.setup(arch)
        let reference = makeTrainer()
        var checkpoints = 0
        let history = try reference.train(on: train, test: nil, checkpoints: CheckpointPolicy(steps: 2), onCheckpoint: { _ in checkpoints += 1 })
        let expected = Self.bits(reference)
        #expect(checkpoints == 3 * 2 + 3)   // 5 steps per epoch: after steps 2 and 4, and at each end
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rda-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for stop in 1...checkpoints {
            let url = folder.appendingPathComponent("state-\(stop).safetensors")
            let first = makeTrainer()
            var seen = 0
            #expect(throws: Interrupted.self) {
                _ = try first.train(on: train, test: nil, checkpoints: CheckpointPolicy(steps: 2), onCheckpoint: { position in
                    seen += 1
                    guard seen == stop else { return }
                    try TrainingState.save(first, at: position, to: url)
                    throw Interrupted()
                })
            }
            let second = makeTrainer()
            let position = try TrainingState.restore(second, from: url)
            let resumed = try second.train(on: train, test: nil, from: position, checkpoints: CheckpointPolicy(steps: 2))
            #expect(Self.bits(second) == expected, "resumed at checkpoint \(stop) (epoch \(position.epoch), step \(position.step))")
            #expect(resumed.map(\.trainObjective) == history.map(\.trainObjective))
        }
    }

    @Test func aStateOfAnotherModelIsRefused() throws {
        let (train, makeTrainer) = try Self.setup(.linear)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rda-state-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let t = makeTrainer()
        _ = try t.train(on: train, test: nil, onCheckpoint: { try TrainingState.save(t, at: $0, to: url) })
        let (_, makeMLP) = try Self.setup(.mlp)
        #expect(throws: RDAError.self) { _ = try TrainingState.restore(makeMLP(), from: url) }
    }

    /// The per-shape GEMM decisions a state records are adopted by the resuming process's selector.
    @Test func perShapeGEMMDecisionsTravelWithTheState() throws {
        let (train, makeTrainer) = try Self.setup(.linear)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rda-state-gemm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let shape = GEMMShape(m: 128, n: 784, k: 512, transB: true)
        func selector(_ swift: Double, _ openblas: Double, _ dir: String) -> GEMMSelector {
            GEMMSelector(forced: nil, openBLASAvailable: true,
                         store: GEMMCalibrationStore(directory: folder.appendingPathComponent(dir), key: GEMMMachineKey(cpuModel: "t", cpuFlags: "", cores: 1, build: "b", openblas: "x")),
                         timer: { _, _, _ in GEMMTimings(swift: swift, openblas: openblas) })
        }
        let noProduct: GEMMProduct = { _, _, _, _, _ in }
        let before = selector(2, 1, "a")
        #expect(before.choose(shape, threads: 1, context: .pool, product: noProduct).backend == .openblas)
        let t = makeTrainer()
        let url = folder.appendingPathComponent("state.safetensors")
        _ = try t.train(on: train, test: nil, onCheckpoint: { try TrainingState.save(t, at: $0, to: url, selector: before) })
        #expect(try SafetensorsFile.read(from: url).metadata["rda.gemm_shapes"]?.contains("openblas") == true)
        let after = selector(1, 2, "b")   // another cache, whose timings favour Swift
        _ = try TrainingState.restore(makeTrainer(), from: url, selector: after)
        #expect(after.choose(shape, threads: 1, context: .pool, product: noProduct).backend == .openblas)
    }
}
