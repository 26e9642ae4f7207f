import Foundation
import RDACore

/// Progress reports while training.
public enum TrainingEvent {
    /// One optimizer step finished: its epoch and step within the epoch (0-based), the steps in
    /// an epoch, and the minibatch's mean objective rate + lambda distortion (nats).
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, objective: Double)
    /// An epoch finished, with its train and test means (the line written to `metrics.jsonl`).
    case epochEnd(EpochMetrics)
}

/// Minimises mean(rate + lambda * distortion) with Adam over shuffled minibatches.
///
/// Each epoch visits a fresh permutation of the training set drawn from the seed and drops the
/// last partial batch. All randomness (initialization aside) comes from one generator seeded
/// with `options.seed`: permutations and channel noise. Same seed, same run, bit for bit.
public final class Trainer {
    /// The model being trained (in place).
    public let model: RateDistortionAutoencoder
    /// How it is trained.
    public let options: TrainingOptions
    /// Adam over every parameter of the model.
    public let optimizer: Adam
    var rng: SeededGenerator
    /// Stops a run whose objective explodes while staying finite.
    var divergence = DivergenceGuard()

    /// A trainer for `model` with Adam at `options.learningRate`.
    public init(model: RateDistortionAutoencoder, options: TrainingOptions) {
        self.model = model
        self.options = options
        optimizer = Adam(model.parameters, learningRate: Float(options.learningRate), learningRateScales: model.learningRateScales)
        rng = SeededGenerator(seed: options.seed ^ 0x7F4A_7C15_9E37_79B9)
    }

    /// One optimisation step on the batch `y` [B, D], as `train` takes it: draws the channel
    /// noise from the trainer's generator, runs the forward pass and, when the batch
    /// means of rate and distortion are both finite, backpropagates the objective and updates
    /// the weights at the optimizer's current learning rate. Returns those batch means (when one
    /// is not finite the weights are left untouched). Used by `TrainingBenchmark`.
    @discardableResult
    public func step(_ y: Tensor) throws -> (rate: Double, distortion: Double) {
        try step(y, at: optimizer.stepCount + 1, epoch: nil)
    }

    /// One update on the batch `y` ([B, D]): fresh channel noise, forward, objective, backward,
    /// Adam. A non-finite rate, distortion or objective throws an `RDAError` naming the step
    /// (`number`, 1-based) and the term, before the update touches the weights.
    func step(_ y: Tensor, at number: Int, epoch: Int?) throws -> (rate: Double, distortion: Double) {
        let place = "step \(number)" + (epoch.map { " (epoch \($0))" } ?? "")
        let noise = model.drawNoise(rows: y.shape[0], mode: .training, using: &rng)
        let f = model.forward(y, noise: noise, mode: .training)
        let rate = Double(meanOf(f.rate)), dist = Double(meanOf(f.distortion))
        let kept = DivergenceGuard.checkpointNote(epoch: epoch)
        guard rate.isFinite, dist.isFinite else {
            let term = rate.isFinite ? "distortion" : "rate"
            throw RDAError("training stopped at \(place): the \(term) term is \(rate.isFinite ? dist : rate); \(kept); lower ‹learning-rate› or ‹lambda›")
        }
        var loss = f.objective(lambda: model.config.lambda)
        if let bad = options.injectNaNAtStep, bad == number { loss = loss * Float.nan }
        guard loss.scalar.isFinite else {
            throw RDAError("training stopped at \(place): the objective is \(loss.scalar) (rate \(rate), distortion \(dist)); \(kept); lower ‹learning-rate› or ‹lambda›")
        }
        try divergence.check(objective: Double(loss.scalar), lambda: model.config.lambda, place: place, note: kept)
        optimizer.zeroGrad()
        loss.backward()
        if let c = options.clipNorm { clipGradientNorm(model.parameters, maxNorm: Float(c)) }
        optimizer.step()
        return (rate, dist)
    }

    /// Trains for `options.epochs` epochs. `onEpoch` runs after each epoch (save a checkpoint
    /// there); it may throw to stop. A non-finite rate or distortion stops training with an
    /// `RDAError` naming the step and the term, before that step's update touches the weights.
    ///
    /// Resuming: `from` is a position `onCheckpoint` was given, with the weights and the
    /// optimizer restored to that instant (`TrainingState.restore`); training then continues
    /// exactly as the uninterrupted run would have, bit for bit. `onCheckpoint` runs between
    /// steps when `checkpoints` says one is due, and after `onEpoch` at every epoch's end (with
    /// the position at the start of the next epoch).
    public func train(on train: Dataset, test: Dataset?, from start: TrainingPosition? = nil,
                      checkpoints: CheckpointPolicy = .never,
                      progress: (TrainingEvent) -> Void = { _ in },
                      onEpoch: (EpochMetrics) throws -> Void = { _ in },
                      onCheckpoint: (TrainingPosition) throws -> Void = { _ in }) throws -> [EpochMetrics] {
        guard train.count >= options.batchSize else {
            throw RDAError("batch size \(options.batchSize) is larger than the \(train.count) training examples; lower ‹batch-size›")
        }
        return try self.train(batches: DatasetBatches(train), test: test, from: start, checkpoints: checkpoints,
                              progress: progress, onEpoch: onEpoch, onCheckpoint: onCheckpoint)
    }

    /// Trains on minibatches from `source` (see `train(on:)`): `options.epochs` epochs of
    /// `source.examplesPerEpoch / batchSize` steps (at least 1), or, when `options.steps` is set,
    /// that many steps in all (the last epoch cut short), which the learning-rate schedule,
    /// progress and checkpoints follow.
    public func train(batches source: any BatchSource, test: Dataset?, from start: TrainingPosition? = nil,
                      checkpoints: CheckpointPolicy = .never,
                      progress: (TrainingEvent) -> Void = { _ in },
                      onEpoch: (EpochMetrics) throws -> Void = { _ in },
                      onCheckpoint: (TrainingPosition) throws -> Void = { _ in }) throws -> [EpochMetrics] {
        let b = options.batchSize
        let lambda = model.config.lambda
        let stepsPerEpoch = max(1, source.examplesPerEpoch / b)
        let totalSteps = options.steps ?? stepsPerEpoch * options.epochs
        let lastEpoch = (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch
        var history: [EpochMetrics] = start?.history ?? []
        let firstEpoch = start?.epoch ?? 1
        guard firstEpoch <= lastEpoch else { return history }
        if let start, !(start.epoch >= 1 && start.step >= 0 && start.step < stepsPerEpoch) {
            throw RDAError("cannot resume at epoch \(start.epoch), step \(start.step): an epoch here has \(stepsPerEpoch) steps; the training state is from another run")
        }
        var lastCheckpoint = Date(), stepsSinceCheckpoint = 0
        for epoch in firstEpoch...lastEpoch {
            let resumed = epoch == firstEpoch ? start : nil
            if let resumed { rng.state = resumed.epochStartRNG }
            let epochStartRNG = rng.state
            source.beginEpoch(using: &rng)
            let stepsThisEpoch = min(stepsPerEpoch, totalSteps - (epoch - 1) * stepsPerEpoch)
            var sumRate = resumed?.sumRate ?? 0, sumDist = resumed?.sumDistortion ?? 0
            let earlierSeconds = resumed?.seconds ?? 0
            if let resumed, resumed.step > 0 { rng.state = resumed.rng }   // after the permutation and the steps' draws
            let begin = Date()
            var lr = options.learningRate
            for s in (resumed?.step ?? 0)..<stepsThisEpoch {
                let globalStep = (epoch - 1) * stepsPerEpoch + s
                lr = options.schedule.rate(base: options.learningRate, step: globalStep, total: totalSteps)
                optimizer.learningRate = Float(lr)
                let y = try source.batch(step: s, size: b, using: &rng)
                let (rate, dist) = try step(y, at: globalStep + 1, epoch: epoch)
                sumRate += rate; sumDist += dist
                progress(.step(epoch: epoch, step: s + 1, stepsPerEpoch: stepsThisEpoch, objective: Objective.value(rate: rate, distortion: dist, lambda: lambda)))
                stepsSinceCheckpoint += 1
                if s + 1 < stepsThisEpoch, checkpoints.isDue(steps: stepsSinceCheckpoint, since: lastCheckpoint) {
                    try onCheckpoint(TrainingPosition(epoch: epoch, step: s + 1, epochStartRNG: epochStartRNG, rng: rng.state,
                                                      sumRate: sumRate, sumDistortion: sumDist,
                                                      seconds: earlierSeconds + Date().timeIntervalSince(begin), history: history))
                    lastCheckpoint = Date(); stepsSinceCheckpoint = 0
                }
            }
            let seconds = earlierSeconds + Date().timeIntervalSince(begin)
            let steps = Double(stepsThisEpoch)
            var m = EpochMetrics(epoch: epoch, steps: stepsThisEpoch, learningRate: lr,
                                 trainRate: sumRate / steps, trainDistortion: sumDist / steps,
                                 trainObjective: Objective.value(rate: sumRate, distortion: sumDist, lambda: lambda) / steps,
                                 testRate: nil, testDistortion: nil, testObjective: nil,
                                 seconds: seconds, examplesPerSecond: steps * Double(b) / max(seconds, 1e-9))
            if let test, options.testExamplesPerEpoch > 0 {
                let r = Evaluator.quick(model: model, data: test.prefix(options.testExamplesPerEpoch), seed: 1)
                m.testRate = r.rate; m.testDistortion = r.distortion; m.testObjective = Objective.value(rate: r.rate, distortion: r.distortion, lambda: lambda)
            }
            history.append(m)
            progress(.epochEnd(m))
            try onEpoch(m)
            try onCheckpoint(TrainingPosition(epoch: epoch + 1, step: 0, epochStartRNG: rng.state, rng: rng.state,
                                              sumRate: 0, sumDistortion: 0, seconds: 0, history: history))
            lastCheckpoint = Date(); stepsSinceCheckpoint = 0
        }
        return history
    }
}

/// Mean of a tensor's values, accumulated in Double.
func meanOf(_ t: Tensor) -> Float { Float(sum(t) / Double(max(t.count, 1))) }
