import Foundation

/// How to train (`rda train` options other than the model's shape).
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Passes over the training set.
    public var epochs: Int = TrainDefaults.images.epochs
    /// Examples per step.
    public var batchSize: Int = TrainRequest.defaults.batchSize
    /// Adam's base learning rate.
    public var learningRate: Double = TrainDefaults.images.learningRate
    /// How the learning rate changes over training.
    public var schedule: LearningRateSchedule = TrainDefaults.images.schedule
    /// Seed of shuffling and channel noise.
    public var seed: UInt64 = TrainRequest.defaults.seed
    /// The rate estimator training used, as every model file's `rda.training` records it (the
    /// channel's `recordedRateEstimator`). A record only: the channel reads its own setting.
    public var rate: RateEstimator = .closedForm
    /// Rescale gradients whose global norm exceeds this (nil: never).
    public var clipNorm: Double? = TrainRequest.defaults.clipNorm
    /// Examples of the test split scored after every epoch (0: none).
    public var testExamplesPerEpoch: Int = 10_000
    /// Fault injection for tests of the failure path: make the objective NaN at this step (1-based).
    public var injectNaNAtStep: Int? = nil
    /// Optimizer steps in all (nil: `epochs` whole epochs). When set, training stops after this
    /// many steps, the last epoch cut short; the learning-rate schedule spans them.
    public var steps: Int? = nil

    /// The defaults of `rda train` on image data (`TrainDefaults.images`, `TrainRequest.defaults`).
    public init() {}

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize, learningRate, schedule, seed, rate, clipNorm, testExamplesPerEpoch, injectNaNAtStep, steps
    }

    /// Reads options written by any rda version (run.json, the model's `rda.training`): a field
    /// added later takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingOptions()
        epochs = try c.decode(.epochs, default: d.epochs)
        batchSize = try c.decode(.batchSize, default: d.batchSize)
        learningRate = try c.decode(.learningRate, default: d.learningRate)
        schedule = try c.decode(.schedule, default: d.schedule)
        seed = try c.decode(.seed, default: d.seed)
        rate = try c.decode(.rate, default: d.rate)
        clipNorm = try c.decode(.clipNorm, default: d.clipNorm)
        testExamplesPerEpoch = try c.decode(.testExamplesPerEpoch, default: d.testExamplesPerEpoch)
        injectNaNAtStep = try c.decode(.injectNaNAtStep, default: d.injectNaNAtStep)
        steps = try c.decode(.steps, default: d.steps)
    }
}

/// Learning rate over training.
public enum LearningRateSchedule: String, Codable, CaseIterable, Sendable {
    /// lr throughout (as the PyTorch reference).
    case constant
    /// lr * (1 + cos(pi t / T)) / 2 over the T steps of training: anneals to 0, which settles the
    /// noisy-gradient optimum much closer than a constant rate.
    case cosine

    /// The rate at step `t` of `total` (0-based).
    public func rate(base: Double, step t: Int, total: Int) -> Double {
        switch self {
        case .constant: return base
        case .cosine: return base * 0.5 * (1 + cos(Double.pi * Double(t) / Double(max(total, 1))))
        }
    }
}
