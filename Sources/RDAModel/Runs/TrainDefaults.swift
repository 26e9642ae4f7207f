/// The defaults of the training options whose best value depends on the data: the one place
/// they live. `TrainRequest.resolved` fills a request's unset options from here, the CLI's help
/// texts quote them (`TrainRequest.help`), and `TrainingOptions()` starts from `images`.
public struct TrainDefaults: Equatable, Sendable {
    /// The encoder/decoder family.
    public var arch: Architecture
    /// Latent dimensions K (nil: the source's dimension D).
    public var latentDim: Int?
    /// Weight of the distortion in rate + lambda * distortion.
    public var lambda: Double
    /// Passes over the training set.
    public var epochs: Int
    /// Adam's base learning rate.
    public var learningRate: Double
    /// How the learning rate changes over training. Annealing settles the tiny linear models on
    /// their optimum (within 0.2% of the bound); the image models are far from converged after a
    /// few epochs, where a constant rate gets further (MNIST conv, lambda 4, 5 epochs: 65.3
    /// constant vs 68.4 cosine).
    public var schedule: LearningRateSchedule

    /// Image data (`mnist`, `fashion-mnist`, a folder of IDX files).
    public static let images = TrainDefaults(arch: .conv, latentDim: 32, lambda: 4, epochs: 10,
                                             learningRate: 1e-3, schedule: .constant)
    /// The synthetic sources (`gaussian:`, `laplace:`).
    public static let synthetic = TrainDefaults(arch: .linear, latentDim: nil, lambda: 1, epochs: 20,
                                                learningRate: 1e-2, schedule: .cosine)

    /// Training draws from a synthetic source when the examples are not given (image sets: all).
    public static let syntheticTrainExamples = 50_000

    /// The defaults for `source`.
    public static func `for`(_ source: DataSource) -> TrainDefaults { source.isSynthetic ? synthetic : images }
}
