import Testing
import Foundation
import RDACore
import RDAKernels
import RDAModel

/// `Trainer.calibrateGEMM`: real training steps of a throwaway model, timed per policy.
@Suite("GEMM policy trial on real training steps")
struct StepCalibrationTests {
    let config = ModelConfig(arch: .mlp, exampleShape: [1, 4, 4], latentDim: 2, widths: [8],
                             distortion: .l2, lambda: 1, sigmoidOutput: true, data: "test")

    func train(steps: Int) throws -> [Float] {
        var rng = SeededGenerator(seed: 11)
        let model = RateDistortionAutoencoder(config: config, rng: &rng)
        var options = TrainingOptions()
        options.batchSize = 4
        let trainer = Trainer(model: model, options: options)
        let y = Tensor(shape: [4, 16]) { out in for i in 0..<out.count { out[i] = Float(i % 7) / 7 } }
        for _ in 0..<steps { try trainer.step(y) }
        return model.parameters.flatMap(\.values)
    }

    /// The trial times every policy on steps of its own model (positive timings reach the
    /// cache under the model's name and batch) and leaves a model trained after it with exactly
    /// the weights of one trained without it.
    @Test func trialTimesStepsAndLeavesTrainingUnchanged() throws {
        let before = try train(steps: 3)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-step-trial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = GEMMCalibrationStore(directory: dir, key: GEMMMachineKey(cpuModel: "t", cpuFlags: "0", cores: 1, build: "b", openblas: "x"))
        let selector = GEMMSelector(forced: nil, openBLASAvailable: true, store: store, timer: { _, _, _ in GEMMTimings(swift: 1, openblas: 2) })
        var options = TrainingOptions()
        options.batchSize = 4
        let policy = Trainer.calibrateGEMM(config: config, options: options, selector: selector)
        #expect(selector.policy == policy)
        let entries = store.load().values.filter { $0.context == "step" }
        #expect(entries.count == 1)
        if let e = entries.first {
            #expect(e.shapeClass.contains("mlp") && e.shapeClass.contains("batch 4") && e.backend == policy.rawValue)
            #expect(e.swiftMicroseconds > 0 && e.openblasMicroseconds > 0 && (e.perShapeMicroseconds ?? 0) > 0)
        }
        #expect(try train(steps: 3) == before)
    }
}
