import Foundation

/// Everything `rda train` accepts; nil means "the default for this data" (see `resolved`).
public struct TrainRequest: Codable, Equatable, Sendable {
    /// `--data`: a data set name, a folder, or `gaussian:V1,...`.
    public var data: String = "mnist"
    /// `--data-dir`: a folder searched first for named data sets.
    public var dataDir: String? = nil
    /// `--arch` (default: conv for images, linear for gaussian:).
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

    /// Reads a request written by any rda version: a field it lacks (one added later, such as
    /// `channel`) takes its default, so older run.json files keep loading.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainRequest()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        data = try value(.data, d.data)
        dataDir = try value(.dataDir, d.dataDir)
        arch = try value(.arch, d.arch)
        latentDim = try value(.latentDim, d.latentDim)
        widths = try value(.widths, d.widths)
        distortion = try value(.distortion, d.distortion)
        lambda = try value(.lambda, d.lambda)
        prior = try value(.prior, d.prior)
        channel = try value(.channel, d.channel)
        priorComponents = try value(.priorComponents, d.priorComponents)
        epochs = try value(.epochs, d.epochs)
        batchSize = try value(.batchSize, d.batchSize)
        learningRate = try value(.learningRate, d.learningRate)
        schedule = try value(.schedule, d.schedule)
        rate = try value(.rate, d.rate)
        seed = try value(.seed, d.seed)
        examples = try value(.examples, d.examples)
        testExamples = try value(.testExamples, d.testExamples)
        dataSeed = try value(.dataSeed, d.dataSeed)
        clipNorm = try value(.clipNorm, d.clipNorm)
        injectNaNAtStep = try value(.injectNaNAtStep, d.injectNaNAtStep)
    }

    /// Checks values a user can get wrong; each failure is one line naming the option and the fix.
    public func validate() throws {
        if let l = lambda, !(l > 0 && l.isFinite) { throw RDAError("--lambda \(l) must be a positive finite number, e.g. --lambda 16") }
        if let l = lambda, !Float(l).isNormal { throw RDAError("--lambda \(l) is outside the float32 range training uses (\(Float.leastNormalMagnitude) to \(Float.greatestFiniteMagnitude))") }
        if let k = latentDim, k < 1 { throw RDAError("--latent-dim \(k) must be at least 1") }
        if let e = epochs, e < 1 { throw RDAError("--epochs \(e) must be at least 1") }
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
        let isGaussian = source.isSynthetic   // gaussian: or laplace:
        let arch = arch ?? (isGaussian ? .linear : .conv)
        let widths = widths ?? arch.defaultWidths
        if arch == .conv {
            guard dataset.exampleShape.count == 3, dataset.exampleShape[1] % 4 == 0, dataset.exampleShape[2] % 4 == 0 else {
                throw RDAError("--arch conv needs images whose height and width are multiples of 4; \(source) has examples of shape \(dataset.exampleShape); use --arch mlp or linear")
            }
            guard widths.count == 2 else { throw RDAError("--arch conv takes two channel widths (e.g. --widths 32,64), got \(widths)") }
        }
        let cfg = ModelConfig(arch: arch, exampleShape: dataset.exampleShape,
                              latentDim: latentDim ?? (isGaussian ? dataset.dimensions : 32),
                              widths: widths, prior: resolvedPrior, distortion: distortion ?? source.defaultDistortion,
                              lambda: lambda ?? (isGaussian ? 1 : 4),
                              sigmoidOutput: dataset.isImage && arch != .linear, data: source.description,
                              channel: channel, priorComponents: resolvedComponents)
        var opts = TrainingOptions()
        opts.epochs = epochs ?? (isGaussian ? 20 : 10)
        opts.batchSize = batchSize
        opts.learningRate = learningRate ?? (isGaussian ? 1e-2 : 1e-3)
        // Annealing settles the tiny linear models on their optimum (within 0.2% of the bound);
        // the image models are far from converged after a few epochs, where a constant rate
        // gets further (MNIST conv, lambda 4, 5 epochs: 65.3 constant vs 68.4 cosine).
        opts.schedule = schedule ?? (isGaussian ? .cosine : .constant)
        opts.seed = seed
        opts.rate = rate
        opts.clipNorm = clipNorm
        opts.injectNaNAtStep = injectNaNAtStep
        return (cfg, opts)
    }
}
