import RDAIO

/// Everything a training run accepts: the one declaration of each training option, with its
/// default (the initial value here; nil: the default for the data, from `TrainDefaults`).
/// `resolved` turns a request into the model configuration and the training options, and run.json
/// stores it (see `TrainingRun.Record`). The command line declares one flag per field, with its
/// help text (RDACLI's `TrainHelp`, a switch over `CodingKeys`).
///
/// Adding an option: a field here with its default, its case in `CodingKeys`, its help in
/// RDACLI's `TrainHelp` (the switch makes the compiler ask for it), one `@Option` in
/// `ModelTrainOptions` (RDACLI), and where it goes in `resolved`. A run.json written before the
/// field existed decodes with the field's default.
public struct TrainRequest: Codable, Equatable, Sendable {
    /// The data: a data set name, a folder, or `gaussian:V1,...`.
    public var data: String = "mnist"
    /// A folder searched first for named data sets.
    public var dataDir: String? = nil
    /// The architecture (nil: `TrainDefaults`, conv for images, linear for synthetic sources).
    public var arch: Architecture? = nil
    /// The latent size K.
    public var latentDim: Int? = nil
    /// Hidden sizes or channels.
    public var widths: [Int]? = nil
    /// `spatial` only: the downsamplings k (nil: one more than the widths given, else
    /// `SpatialNetwork.defaultDownsamplings`).
    public var downsamplings: Int? = nil
    /// `resnet` only: residual blocks at each resolution (nil: `ResNetwork.defaultResBlocks`).
    public var resBlocks: Int? = nil
    /// `resnet` only: width of the fully connected layer beside the latent (nil: `ResNetwork.defaultHidden`).
    public var hidden: Int? = nil
    /// nil: l1 for a `laplace:` source (the distortion its exact R(D) is for), l2 otherwise.
    public var distortion: DistortionKind? = nil
    /// Lambda, the distortion's weight.
    public var lambda: Double? = nil
    /// The bottleneck with its own settings (the Gaussian noisy channel with its prior and rate
    /// estimator, quantized latents with their prior's components, ...).
    public var channel: ChannelConfig = .default
    /// Passes over the training set.
    public var epochs: Int? = nil
    /// Examples per step.
    public var batchSize: Int = 128
    /// Adam's learning rate.
    public var learningRate: Double? = nil
    /// The learning-rate schedule.
    public var schedule: LearningRateSchedule? = nil
    /// Seed of initialization, shuffling and channel noise.
    public var seed: UInt64 = 0
    /// Training examples: drawn from a `gaussian:` source (default 50,000), or the first N of an
    /// image set (default all).
    public var examples: Int? = nil
    /// Test examples drawn from a `gaussian:` source.
    public var testExamples: Int = 100_000
    /// Seed of the draws of a gaussian: or laplace: source.
    public var dataSeed: UInt64 = 0
    /// The largest global gradient norm.
    public var clipNorm: Double? = nil
    /// Fault injection (tests): a NaN objective at this step.
    public var injectNaNAtStep: Int? = nil
    /// Optimizer steps in all, for any data (nil: whole epochs).
    public var steps: Int? = nil
    /// `images:DIR`: the side of the square training crops (nil: 64).
    public var crop: Int? = nil
    /// `images:DIR`: example channels, 1 grey or 3 RGB (nil: 3 if any image is colour).
    public var channels: Int? = nil
    /// `images:DIR` without train/ and test/ folders: the share of images in the test split.
    public var testFraction: Double = 0.1
    /// `images:DIR`: leave out unreadable files (named) instead of refusing the folder.
    public var skipBad: Bool = false
    /// `images:DIR`: pad images smaller than the crop by edge replication instead of refusing them.
    public var pad: Bool = false
    /// `images:DIR`: the most MB of decoded 8-bit images kept in memory (nil: a quarter of memory).
    public var cacheMb: Int? = nil

    /// The `images:DIR` options of the request.
    public var imageOptions: ImageFolderOptions {
        var o = ImageFolderOptions()
        o.crop = crop; o.channels = channels; o.testFraction = testFraction; o.skipBad = skipBad; o.pad = pad; o.cacheMB = cacheMb
        return o
    }

    /// Every option at its default.
    public init() {}

    /// Every option at its default: the values the command line starts from.
    public static let defaults = TrainRequest()

    /// The options, by their JSON keys (run.json); a command line names its flags after them.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        /// The field `data`.
        case data
        /// The field `dataDir`.
        case dataDir
        /// The field `arch`.
        case arch
        /// The field `latentDim`.
        case latentDim
        /// The field `widths`.
        case widths
        /// The field `downsamplings`.
        case downsamplings
        /// The field `resBlocks`.
        case resBlocks
        /// The field `hidden`.
        case hidden
        /// The field `distortion`.
        case distortion
        /// The field `lambda`.
        case lambda
        /// The field `channel`.
        case channel
        /// The field `epochs`.
        case epochs
        /// The field `batchSize`.
        case batchSize
        /// The field `learningRate`.
        case learningRate
        /// The field `schedule`.
        case schedule
        /// The field `seed`.
        case seed
        /// The field `examples`.
        case examples
        /// The field `testExamples`.
        case testExamples
        /// The field `dataSeed`.
        case dataSeed
        /// The field `clipNorm`.
        case clipNorm
        /// The field `injectNaNAtStep` (fault injection, for tests).
        case injectNaNAtStep
        /// The field `steps`.
        case steps
        /// The field `crop`.
        case crop
        /// The field `channels`.
        case channels
        /// The field `testFraction`.
        case testFraction
        /// The field `skipBad`.
        case skipBad
        /// The field `pad`.
        case pad
        /// The field `cacheMb`.
        case cacheMb
    }

    /// The keys of run.json version 2 and earlier, where the channel's settings were flat fields.
    enum LegacyKeys: String, CodingKey { case channel, prior, priorComponents, rate }

    /// Reads a request written by any rda version: a field it lacks (one added later) takes its
    /// default, so older run.json files keep loading. Version 2 and earlier had `channel` a
    /// name and its settings flat (`prior`, `priorComponents`, `rate`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainRequest.defaults
        data = try c.decode(.data, default: d.data)
        dataDir = try c.decode(.dataDir, default: d.dataDir)
        arch = try c.decode(.arch, default: d.arch)
        latentDim = try c.decode(.latentDim, default: d.latentDim)
        widths = try c.decode(.widths, default: d.widths)
        downsamplings = try c.decode(.downsamplings, default: d.downsamplings)
        resBlocks = try c.decode(.resBlocks, default: d.resBlocks)
        hidden = try c.decode(.hidden, default: d.hidden)
        distortion = try c.decode(.distortion, default: d.distortion)
        lambda = try c.decode(.lambda, default: d.lambda)
        if let object = try? c.decode(ChannelConfig.self, forKey: .channel) {
            channel = object
        } else {
            let l = try decoder.container(keyedBy: LegacyKeys.self)
            let options = ChannelOptions(prior: try l.decodeIfPresent(Prior.Kind.self, forKey: .prior),
                                         priorComponents: try l.decodeIfPresent(Int.self, forKey: .priorComponents),
                                         rate: try l.decodeIfPresent(RateEstimator.self, forKey: .rate))
            let name = try l.decodeIfPresent(String.self, forKey: .channel) ?? ChannelConfig.default.name
            do { channel = try ChannelConfig.named(name, options: options) } catch let e as ChannelOptionError {
                throw RDAError("the request's channel settings are inconsistent: \(e)")
            }
        }
        epochs = try c.decode(.epochs, default: d.epochs)
        batchSize = try c.decode(.batchSize, default: d.batchSize)
        learningRate = try c.decode(.learningRate, default: d.learningRate)
        schedule = try c.decode(.schedule, default: d.schedule)
        seed = try c.decode(.seed, default: d.seed)
        examples = try c.decode(.examples, default: d.examples)
        testExamples = try c.decode(.testExamples, default: d.testExamples)
        dataSeed = try c.decode(.dataSeed, default: d.dataSeed)
        clipNorm = try c.decode(.clipNorm, default: d.clipNorm)
        injectNaNAtStep = try c.decode(.injectNaNAtStep, default: d.injectNaNAtStep)
        steps = try c.decode(.steps, default: d.steps)
        crop = try c.decode(.crop, default: d.crop)
        channels = try c.decode(.channels, default: d.channels)
        testFraction = try c.decode(.testFraction, default: d.testFraction)
        skipBad = try c.decode(.skipBad, default: d.skipBad)
        pad = try c.decode(.pad, default: d.pad)
        cacheMb = try c.decode(.cacheMb, default: d.cacheMb)
    }

    /// Checks values a user can get wrong; each failure is one line naming the option and the fix.
    public func validate() throws {
        if let l = lambda, !(l > 0 && l.isFinite) { throw RDAError("‹lambda› \(l) must be a positive finite number, e.g. ‹lambda› 16") }
        if let l = lambda, !Float(l).isNormal { throw RDAError("‹lambda› \(l) is outside the float32 range training uses (\(Float.leastNormalMagnitude) to \(Float.greatestFiniteMagnitude))") }
        if let k = latentDim, k < 1 { throw RDAError("‹latent-dim› \(k) must be at least 1") }
        if let e = epochs, e < 1 { throw RDAError("‹epochs› \(e) must be at least 1") }
        if let e = epochs, e > 1_000_000 { throw RDAError("‹epochs› \(e) is more than 1000000 (steps are counted in 64 bits)") }
        if batchSize < 1 { throw RDAError("‹batch-size› \(batchSize) must be at least 1") }
        if let lr = learningRate, !(lr > 0 && lr.isFinite) { throw RDAError("‹learning-rate› \(lr) must be a positive finite number, e.g. 1e-3") }
        if let n = examples, n < 1 { throw RDAError("‹examples› \(n) must be at least 1") }
        if testExamples < 1 { throw RDAError("‹test-examples› \(testExamples) must be at least 1") }
        if let w = widths, w.isEmpty || w.contains(where: { $0 < 1 }) { throw RDAError("‹widths› \(w) must be positive sizes, e.g. 512,256") }
        if let k = downsamplings {
            guard arch == .spatial else { throw RDAError("‹downsamplings› \(k) is for ‹arch› spatial only") }
            _ = try SpatialNetwork.resolveWidths(widths, downsamplings: k)
        }
        for (name, value) in [("res-blocks", resBlocks), ("hidden", hidden)] {
            if let value, arch != .resnet { throw RDAError("‹\(name)› \(value) is for ‹arch› resnet only") }
        }
        try ResNetwork.checkOptions(resBlocks: resBlocks, hidden: hidden)
        if let c = clipNorm, !(c > 0 && c.isFinite) { throw RDAError("‹clip-norm› \(c) must be a positive finite number (leave it out for no clipping)") }
        try channel.settings.validate()
        if let s = steps, !(1...1_000_000_000).contains(s) { throw RDAError("‹steps› \(s) must be 1...1000000000") }
        try imageOptions.validate()
        if case .images = try DataSource.parse(data) {} else {
            let given = [("crop", crop != nil), ("channels", channels != nil), ("skip-bad", skipBad), ("pad", pad), ("cache-mb", cacheMb != nil)]
            if let name = given.first(where: { $0.1 })?.0 {
                throw RDAError("‹\(name)› applies to ‹data› images:DIR, not to \(data)")
            }
        }
    }

    /// The model configuration and training options with every default filled in for `dataset`
    /// (of a request `TrainingRun.run` has validated).
    func resolved(for dataset: Dataset, source: DataSource) throws -> (ModelConfig, TrainingOptions) {
        let defaults = TrainDefaults.for(source)
        let arch = arch ?? defaults.arch
        let widths = arch == .spatial ? try SpatialNetwork.resolveWidths(widths, downsamplings: downsamplings) : widths ?? arch.defaultWidths
        if arch == .spatial { try SpatialNetwork.checkFits(exampleShape: dataset.exampleShape, widths: widths) }
        if arch == .conv {
            guard dataset.exampleShape.count == 3, dataset.exampleShape[1] % 4 == 0, dataset.exampleShape[2] % 4 == 0 else {
                throw RDAError("‹arch› conv needs images whose height and width are multiples of 4; \(source) has examples of shape \(dataset.exampleShape); use ‹arch› mlp or linear")
            }
            guard widths.count == 2 else { throw RDAError("‹arch› conv takes two channel widths (e.g. ‹widths› 32,64), got \(widths)") }
        }
        if arch == .resnet {
            try ResNetwork.check(exampleShape: dataset.exampleShape, widths: widths, resBlocks: resBlocks ?? ResNetwork.defaultResBlocks,
                                 hidden: hidden ?? ResNetwork.defaultHidden)
        }
        let distortion = distortion ?? source.defaultDistortion
        if distortion.needsEightBitPixels, !dataset.isImage {
            throw RDAError("‹distortion› \(distortion.rawValue) scores 8-bit pixels; \(source) has no images (use l2 or l1)")
        }
        let cfg = ModelConfig(arch: arch, exampleShape: dataset.exampleShape,
                              latentDim: latentDim ?? (arch == .spatial ? SpatialNetwork.defaultLatentChannels : defaults.latentDim ?? dataset.dimensions),
                              widths: widths, distortion: distortion,
                              lambda: lambda ?? defaults.lambda,
                              sigmoidOutput: dataset.isImage && arch != .linear && distortion.decoderOutputsPerDimension == 1, data: source.description,
                              channel: channel, resBlocks: resBlocks ?? ResNetwork.defaultResBlocks,
                              hidden: hidden ?? ResNetwork.defaultHidden)
        var opts = TrainingOptions()
        opts.epochs = epochs ?? defaults.epochs
        opts.batchSize = batchSize
        opts.learningRate = learningRate ?? defaults.learningRate
        opts.schedule = schedule ?? defaults.schedule
        opts.seed = seed
        opts.rate = channel.settings.recordedRateEstimator
        opts.clipNorm = clipNorm
        opts.injectNaNAtStep = injectNaNAtStep
        opts.steps = steps
        return (cfg, opts)
    }
}
