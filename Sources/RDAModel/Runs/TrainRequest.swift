import RDAIO

/// Everything `rda train` accepts: the one declaration of each training option, with its default
/// (the initial value here; nil: the default for the data, from `TrainDefaults`) and its help text
/// (`help(_:)`, which the command line shows). The CLI declares one flag per field reading both,
/// `resolved` turns a request into the model configuration and the training options, and run.json
/// stores it (see `TrainingRun.Record`).
///
/// Adding an option: a field here with its default, its case in `help(_:)` (the switch makes the
/// compiler ask for it), one `@Option` in `ModelTrainOptions` (RDACLI), and where it goes in
/// `resolved`. A run.json written before the field existed decodes with the field's default.
public struct TrainRequest: Codable, Equatable, Sendable {
    /// `--data`: a data set name, a folder, or `gaussian:V1,...`.
    public var data: String = "mnist"
    /// `--data-dir`: a folder searched first for named data sets.
    public var dataDir: String? = nil
    /// `--arch` (nil: `TrainDefaults`, conv for images, linear for synthetic sources).
    public var arch: Architecture? = nil
    /// `--latent-dim` K.
    public var latentDim: Int? = nil
    /// `--widths`: hidden sizes or channels.
    public var widths: [Int]? = nil
    /// nil: l1 for a `laplace:` source (the distortion its exact R(D) is for), l2 otherwise.
    public var distortion: DistortionKind? = nil
    /// `--lambda`.
    public var lambda: Double? = nil
    /// The Gaussian channel's prior (nil: standard).
    public var prior: Prior.Kind? = nil
    /// The bottleneck: the Gaussian noisy channel or quantized latents.
    public var channel: ChannelKind = .gaussian
    /// Mixture components of the quantized channel's prior (nil: its default).
    public var priorComponents: Int? = nil
    /// `--epochs`.
    public var epochs: Int? = nil
    /// `--batch-size`.
    public var batchSize: Int = 128
    /// `--learning-rate`.
    public var learningRate: Double? = nil
    /// `--schedule`.
    public var schedule: LearningRateSchedule? = nil
    /// `--rate`: the estimator training minimises.
    public var rate: RateEstimator = .closedForm
    /// `--seed`: initialization, shuffling and channel noise.
    public var seed: UInt64 = 0
    /// Training examples: drawn from a `gaussian:` source (default 50,000), or the first N of an
    /// image set (default all).
    public var examples: Int? = nil
    /// Test examples drawn from a `gaussian:` source.
    public var testExamples: Int = 100_000
    /// `--data-seed`: the draws of a gaussian: source.
    public var dataSeed: UInt64 = 0
    /// `--clip-norm`: the largest global gradient norm.
    public var clipNorm: Double? = nil
    /// Fault injection (tests): a NaN objective at this step.
    public var injectNaNAtStep: Int? = nil

    /// Every option at its default.
    public init() {}

    /// Every option at its default: the values the command line starts from.
    public static let defaults = TrainRequest()

    /// The options, by their JSON keys (run.json); `--kebab-case` of the name on the command line.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        /// `--data`: the field `data`.
        case data
        /// `--data-dir`: the field `dataDir`.
        case dataDir
        /// `--arch`: the field `arch`.
        case arch
        /// `--latent-dim`: the field `latentDim`.
        case latentDim
        /// `--widths`: the field `widths`.
        case widths
        /// `--distortion`: the field `distortion`.
        case distortion
        /// `--lambda`: the field `lambda`.
        case lambda
        /// `--prior`: the field `prior`.
        case prior
        /// `--channel`: the field `channel`.
        case channel
        /// `--prior-components`: the field `priorComponents`.
        case priorComponents
        /// `--epochs`: the field `epochs`.
        case epochs
        /// `--batch-size`: the field `batchSize`.
        case batchSize
        /// `--learning-rate`: the field `learningRate`.
        case learningRate
        /// `--schedule`: the field `schedule`.
        case schedule
        /// `--rate`: the field `rate`.
        case rate
        /// `--seed`: the field `seed`.
        case seed
        /// `--examples`: the field `examples`.
        case examples
        /// `--test-examples`: the field `testExamples`.
        case testExamples
        /// `--data-seed`: the field `dataSeed`.
        case dataSeed
        /// `--clip-norm`: the field `clipNorm`.
        case clipNorm
        /// `--inject-nan-at-step` (hidden): the field `injectNaNAtStep`.
        case injectNaNAtStep
    }

    /// The help text of `option`, quoting its data-dependent default from `TrainDefaults` (a
    /// fixed default is shown by the command line itself).
    public static func help(_ option: CodingKeys) -> String {
        let i = TrainDefaults.images, s = TrainDefaults.synthetic
        func both<T>(_ value: (TrainDefaults) -> T) -> String { "\(value(i)) for images, \(value(s)) for gaussian: and laplace:" }
        switch option {
        case .data:
            return "mnist, fashion-mnist, a folder of IDX files, gaussian:V1,V2,... (independent Gaussian source with those variances) or laplace:B1,B2,... (independent Laplace source with those scales). Default: \(defaults.data) for train and sweep, the model's own data otherwise."
        case .dataDir:
            return "Folder searched first for mnist / fashion-mnist (then $RDA_DATA_DIR/<name>, /usr/share/datasets/<name>, ~/.cache/rda/<name>)."
        case .arch:
            return "Encoder/decoder family: linear, mlp or conv (default: \(both(\.arch.rawValue)))."
        case .latentDim:
            return "Latent dimensions K (default: \(i.latentDim.map(String.init) ?? "D") for images, the source's dimension for gaussian: and laplace:)."
        case .widths:
            return "Hidden widths (mlp, e.g. \(Architecture.mlp.defaultWidths.map(String.init).joined(separator: ","))) or channels (conv, e.g. \(Architecture.conv.defaultWidths.map(String.init).joined(separator: ",")))."
        case .distortion:
            return "Distortion: l2 (squared error) or l1 (absolute error), summed over dimensions (default: l1 for laplace:, l2 otherwise)."
        case .lambda:
            return "Weight of the distortion in rate + lambda * distortion (default: \(both { formatNumber($0.lambda) }))."
        case .prior:
            return "Prior of the gaussian channel: standard N(0, I) or learned N(mu_z, sigma_z^2) (default standard)."
        case .channel:
            return "Bottleneck: gaussian (noisy channel z = mu + sigma eps) or quantized (z = round(y), entropy coded with a learned discrete prior)."
        case .priorComponents:
            return "Logistic mixture components per latent dimension of the quantized channel's prior (1-\(LogisticMixturePrior.maximumComponents), default \(QuantizedBottleneck.defaultComponents))."
        case .epochs:
            return "Passes over the training set (default: \(both(\.epochs)))."
        case .batchSize:
            return "Examples per step."
        case .learningRate:
            return "Adam learning rate (default: \(both { formatNumber($0.learningRate) }))."
        case .schedule:
            return "Learning-rate schedule: cosine (anneal to 0) or constant (default: \(both(\.schedule.rawValue)))."
        case .rate:
            return "Rate estimator for training: closed-form (KL) or monte-carlo (one sample)."
        case .seed:
            return "Seed of initialization, shuffling and channel noise."
        case .examples:
            return "Examples of the training split: the first N of an image set (default all), or N draws from a gaussian: or laplace: source (default \(TrainDefaults.syntheticTrainExamples)). The test split is always whole (gaussian: and laplace: sources: --test-examples)."
        case .testExamples:
            return "Test examples drawn from a gaussian: or laplace: source."
        case .dataSeed:
            return "Seed of a gaussian: or laplace: source's draws (independent of --seed)."
        case .clipNorm:
            return "Rescale gradients whose global norm exceeds this."
        case .injectNaNAtStep:
            return "Fault injection for tests: make the objective NaN at this step."
        }
    }

    /// Reads a request written by any rda version: a field it lacks (one added later, such as
    /// `channel`) takes its default, so older run.json files keep loading.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainRequest.defaults
        data = try c.decode(.data, default: d.data)
        dataDir = try c.decode(.dataDir, default: d.dataDir)
        arch = try c.decode(.arch, default: d.arch)
        latentDim = try c.decode(.latentDim, default: d.latentDim)
        widths = try c.decode(.widths, default: d.widths)
        distortion = try c.decode(.distortion, default: d.distortion)
        lambda = try c.decode(.lambda, default: d.lambda)
        prior = try c.decode(.prior, default: d.prior)
        channel = try c.decode(.channel, default: d.channel)
        priorComponents = try c.decode(.priorComponents, default: d.priorComponents)
        epochs = try c.decode(.epochs, default: d.epochs)
        batchSize = try c.decode(.batchSize, default: d.batchSize)
        learningRate = try c.decode(.learningRate, default: d.learningRate)
        schedule = try c.decode(.schedule, default: d.schedule)
        rate = try c.decode(.rate, default: d.rate)
        seed = try c.decode(.seed, default: d.seed)
        examples = try c.decode(.examples, default: d.examples)
        testExamples = try c.decode(.testExamples, default: d.testExamples)
        dataSeed = try c.decode(.dataSeed, default: d.dataSeed)
        clipNorm = try c.decode(.clipNorm, default: d.clipNorm)
        injectNaNAtStep = try c.decode(.injectNaNAtStep, default: d.injectNaNAtStep)
    }

    /// Checks values a user can get wrong; each failure is one line naming the option and the fix.
    public func validate() throws {
        if let l = lambda, !(l > 0 && l.isFinite) { throw RDAError("--lambda \(l) must be a positive finite number, e.g. --lambda 16") }
        if let l = lambda, !Float(l).isNormal { throw RDAError("--lambda \(l) is outside the float32 range training uses (\(Float.leastNormalMagnitude) to \(Float.greatestFiniteMagnitude))") }
        if let k = latentDim, k < 1 { throw RDAError("--latent-dim \(k) must be at least 1") }
        if let e = epochs, e < 1 { throw RDAError("--epochs \(e) must be at least 1") }
        if let e = epochs, e > 1_000_000 { throw RDAError("--epochs \(e) is more than 1000000 (steps are counted in 64 bits)") }
        if batchSize < 1 { throw RDAError("--batch-size \(batchSize) must be at least 1") }
        if let lr = learningRate, !(lr > 0 && lr.isFinite) { throw RDAError("--learning-rate \(lr) must be a positive finite number, e.g. 1e-3") }
        if let n = examples, n < 1 { throw RDAError("--examples \(n) must be at least 1") }
        if testExamples < 1 { throw RDAError("--test-examples \(testExamples) must be at least 1") }
        if let w = widths, w.isEmpty || w.contains(where: { $0 < 1 }) { throw RDAError("--widths \(w) must be positive sizes, e.g. 512,256") }
        if let c = clipNorm, !(c > 0 && c.isFinite) { throw RDAError("--clip-norm \(c) must be a positive finite number (leave it out for no clipping)") }
        switch channel {
        case .gaussian:
            if priorComponents != nil { throw RDAError("--prior-components sets the quantized channel's prior; add --channel quantized or drop it") }
        case .quantized:
            if let p = prior { throw RDAError("--prior \(p.rawValue) chooses the Gaussian channel's prior; the quantized channel always learns its discrete prior (see --prior-components)") }
            if rate != .closedForm { throw RDAError("--rate \(rate.rawValue) applies to the gaussian channel; the quantized channel's rate is -ln P(z) under its discrete prior") }
            if let m = priorComponents, !(1...LogisticMixturePrior.maximumComponents).contains(m) {
                throw RDAError("--prior-components \(m) must be between 1 and \(LogisticMixturePrior.maximumComponents)")
            }
        }
        _ = try DataSource.parse(data)
    }

    /// The model configuration and training options with every default filled in for `dataset`
    /// (of a request `TrainingRun.run` has validated).
    func resolved(for dataset: Dataset, source: DataSource) throws -> (ModelConfig, TrainingOptions) {
        let resolvedPrior: Prior.Kind, resolvedComponents: Int?
        switch channel {
        case .gaussian: resolvedPrior = prior ?? .standard; resolvedComponents = nil
        case .quantized: resolvedPrior = .learned; resolvedComponents = priorComponents ?? QuantizedBottleneck.defaultComponents
        }
        let defaults = TrainDefaults.for(source)
        let arch = arch ?? defaults.arch
        let widths = widths ?? arch.defaultWidths
        if arch == .conv {
            guard dataset.exampleShape.count == 3, dataset.exampleShape[1] % 4 == 0, dataset.exampleShape[2] % 4 == 0 else {
                throw RDAError("--arch conv needs images whose height and width are multiples of 4; \(source) has examples of shape \(dataset.exampleShape); use --arch mlp or linear")
            }
            guard widths.count == 2 else { throw RDAError("--arch conv takes two channel widths (e.g. --widths 32,64), got \(widths)") }
        }
        let cfg = ModelConfig(arch: arch, exampleShape: dataset.exampleShape,
                              latentDim: latentDim ?? defaults.latentDim ?? dataset.dimensions,
                              widths: widths, prior: resolvedPrior, distortion: distortion ?? source.defaultDistortion,
                              lambda: lambda ?? defaults.lambda,
                              sigmoidOutput: dataset.isImage && arch != .linear, data: source.description,
                              channel: channel, priorComponents: resolvedComponents)
        var opts = TrainingOptions()
        opts.epochs = epochs ?? defaults.epochs
        opts.batchSize = batchSize
        opts.learningRate = learningRate ?? defaults.learningRate
        opts.schedule = schedule ?? defaults.schedule
        opts.seed = seed
        opts.rate = rate
        opts.clipNorm = clipNorm
        opts.injectNaNAtStep = injectNaNAtStep
        return (cfg, opts)
    }
}
