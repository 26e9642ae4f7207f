import Foundation

/// How to train (`rda train` options other than the model's shape).
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Passes over the training set.
    public var epochs: Int = 10
    /// Examples per step.
    public var batchSize: Int = 128
    /// Adam's base learning rate.
    public var learningRate: Double = 1e-3
    /// How the learning rate changes over training.
    public var schedule: LearningRateSchedule = .cosine
    /// Seed of shuffling and channel noise.
    public var seed: UInt64 = 0
    /// The rate estimate training minimises.
    public var rate: RateEstimator = .closedForm
    /// Rescale gradients whose global norm exceeds this (nil: never).
    public var clipNorm: Double? = nil
    /// Examples of the test split scored after every epoch (0: none).
    public var testExamplesPerEpoch: Int = 10_000
    /// Fault injection for tests of the failure path: make the objective NaN at this step (1-based).
    public var injectNaNAtStep: Int? = nil

    /// The defaults above.
    public init() {}
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
