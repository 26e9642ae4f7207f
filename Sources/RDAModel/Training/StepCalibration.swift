// Which GEMM backends run a model's training steps on this machine: decided by timing whole
// steps of a throwaway copy of the model (see `GEMMSelector.calibrateSteps`).
import Foundation
import RDACore
import RDAKernels

extension Trainer {
    /// Consecutive steps timed per measurement of one policy; the measurement is their mean.
    static let calibrationStepsPerMeasurement = 2

    /// Chooses, once per machine, model shape, batch size and thread count, the GEMM policy
    /// (each shape class on its own calibrated backend, or every product on one backend) under
    /// which training steps of `config` at `options.batchSize` run fastest, and makes it the
    /// process's policy for the shape classes decided after it (the first model of a process
    /// decides; see `GEMMSelector.calibrateSteps`). Call it before building the model to be trained: a
    /// throwaway model of the same configuration, its own seed and a batch of uniform noise are
    /// timed, so the run's weights, generators and results do not depend on the trial (only on
    /// the backends chosen, as with per-shape calibration). The decision is cached with the
    /// per-shape ones (`~/.cache/rda/gemm-calibration.json`); later runs read it. Nothing is
    /// timed with `RDA_GEMM` set or without OpenBLAS. 36 steps when it times.
    @discardableResult
    public static func calibrateGEMM(config: ModelConfig, options: TrainingOptions,
                                     selector: GEMMSelector = .shared) -> GEMMPolicy {
        let batch = options.batchSize
        let name = "step \(config.arch.rawValue) \(config.exampleShape.map(String.init).joined(separator: "x"))"
            + " latent \(config.latentDim) widths \(config.widths.map(String.init).joined(separator: ","))"
            + (config.arch == .resnet ? " blocks \(config.resBlocks) hidden \(config.hidden)" : "")
            + " \(config.channel.name) batch \(batch)"
        var trial: (trainer: Trainer, batch: Tensor)?
        return selector.calibrateSteps(name, threads: Threads.count) { _ in
            if trial == nil {
                var rng = SeededGenerator(seed: 0xCA1B_5EED)
                let model = RateDistortionAutoencoder(config: config, rng: &rng)
                var trialOptions = options
                trialOptions.injectNaNAtStep = nil
                let y = Tensor(shape: [batch, config.dimensions]) { out in
                    for i in 0..<out.count { out[i] = rng.nextFloat() }
                }
                trial = (Trainer(model: model, options: trialOptions), y)
            }
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calibrationStepsPerMeasurement { _ = try? trial!.trainer.step(trial!.batch) }
            return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(calibrationStepsPerMeasurement)
        }
    }
}
