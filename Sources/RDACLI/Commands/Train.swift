import ArgumentParser
import Foundation
import RDAModel

extension Architecture: ExpressibleByArgument {}
extension DistortionKind: ExpressibleByArgument {}
extension Prior.Kind: ExpressibleByArgument {}
extension RateEstimator: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension Split: ExpressibleByArgument {}

/// The help text of a training option: written once, in `TrainHelp`.
func help(_ option: TrainRequest.CodingKeys) -> ArgumentHelp { ArgumentHelp(TrainHelp.text(option)) }

/// Where examples come from, shared by every command that reads data.
struct DataOptions: ParsableArguments {
    @Option(help: help(.data))
    var data: String?

    @Option(help: help(.dataDir))
    var dataDir: String?

    @Option(help: help(.examples))
    var examples: Int?

    @Option(help: help(.testExamples))
    var testExamples: Int = TrainRequest.defaults.testExamples

    @Option(help: help(.dataSeed))
    var dataSeed: UInt64 = TrainRequest.defaults.dataSeed

    @OptionGroup var imageFolder: ImageFolderFlags

    /// The source named by --data, or `fallback` when it was not given.
    func source(default fallback: String) throws -> DataSource { try DataSource.parse(data ?? fallback) }

    /// Loads one split of the source (`fallback` when --data was not given).
    /// `shape`: the examples a model takes ([C, S, S]), the crop and channels of an `images:`
    /// folder unless --crop and --channels say otherwise.
    func load(_ split: Split, default fallback: String, shape: [Int]? = nil) throws -> (source: DataSource, data: Dataset) {
        let source = try source(default: fallback)
        let data = try source.load(split: split, dataDir: dataDir, examples: examples, testExamples: testExamples, dataSeed: dataSeed,
                                   imageOptions: try imageFolder.options(shape: shape))
        return (source, data)
    }
}

/// The options of `rda train` (also taken by `rda sweep`): one flag per `TrainRequest` field, its
/// help and default read from there (nil: the default for the data, `TrainDefaults`).
struct ModelTrainOptions: ParsableArguments {
    @OptionGroup var dataOptions: DataOptions

    @Option(help: help(.arch))
    var arch: Architecture?

    @Option(help: help(.latentDim))
    var latentDim: Int?

    @Option(help: "spatial: the latent map's channels C (the same as --latent-dim for that architecture; default \(SpatialNetwork.defaultLatentChannels)).")
    var latentChannels: Int?

    @Option(help: help(.widths))
    var widths: String?

    @Option(help: help(.downsamplings))
    var downsamplings: Int?

    @Option(help: help(.resBlocks))
    var resBlocks: Int?

    @Option(help: help(.hidden))
    var hidden: Int?

    @Option(help: help(.distortion))
    var distortion: DistortionKind?

    @OptionGroup var channelOptions: ChannelFlags

    @Option(help: help(.epochs))
    var epochs: Int?

    @Option(help: help(.steps))
    var steps: Int?

    @Option(help: help(.batchSize))
    var batchSize: Int = TrainRequest.defaults.batchSize

    @Option(help: help(.learningRate))
    var learningRate: Double?

    @Option(help: help(.schedule))
    var schedule: LearningRateSchedule?

    @Option(help: help(.clipNorm))
    var clipNorm: Double?

    @Option(help: help(.seed))
    var seed: UInt64 = TrainRequest.defaults.seed

    @Option(name: .customLong("inject-nan-at-step"), help: .hidden)
    var injectNaNAtStep: Int?

    /// The request; `lambda` comes from `rda train --lambda` (a sweep sets it per run). Each
    /// flag's value lands in the `TrainRequest` field of the same name (the CLI tests check
    /// that every field is reachable from the command line).
    func request(lambda: Double? = nil) throws -> TrainRequest {
        var r = TrainRequest()
        r.data = dataOptions.data ?? TrainRequest.defaults.data; r.dataDir = dataOptions.dataDir
        r.examples = dataOptions.examples; r.testExamples = dataOptions.testExamples; r.dataSeed = dataOptions.dataSeed
        if latentChannels != nil, latentDim != nil { throw RDAError("give --latent-channels or --latent-dim, not both") }
        r.arch = arch; r.latentDim = latentChannels ?? latentDim; r.downsamplings = downsamplings; r.resBlocks = resBlocks; r.hidden = hidden; r.distortion = distortion; r.lambda = lambda
        r.channel = try channelOptions.config()
        r.epochs = epochs; r.batchSize = batchSize; r.learningRate = learningRate; r.schedule = schedule
        r.clipNorm = clipNorm; r.seed = seed; r.injectNaNAtStep = injectNaNAtStep; r.steps = steps
        dataOptions.imageFolder.apply(to: &r)
        if let widths {
            let parts = widths.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                throw RDAError("--widths \(widths): write positive integers separated by commas, e.g. 512,256")
            }
            r.widths = parts.map { $0! }
        }
        try r.validate()
        return r
    }

}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an RDA and write its model, metrics, evaluation and pictures to a folder.",
        discussion: "Writes DIR/model.safetensors, metrics.jsonl, run.json, eval.json, training.svg, rate-per-dim.svg, report.html and, for images, samples.png, reconstructions.png, interpolations.png and traversals.png.")

    @OptionGroup var options: ModelTrainOptions

    @Option(name: .customLong("lambda"), help: help(.lambda))
    var lambda: Double?

    @Option(help: "Output folder.")
    var out: String = Train.defaultOut

    static let defaultOut = "runs/latest"

    /// The training flags given beside `--resume` (the request's fields that differ from their
    /// defaults), as `--kebab-case` names: a resumed run takes every option from run.json, so
    /// they would be ignored.
    static func flagsBesideResume(_ request: TrainRequest) throws -> [String] {
        func fields(_ r: TrainRequest) throws -> [String: NSObject] {
            (try JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: NSObject]) ?? [:]
        }
        let given = try fields(request), defaults = try fields(TrainRequest.defaults)
        return TrainRequest.CodingKeys.allCases.compactMap { key in
            let name = key.stringValue
            guard given[name] != defaults[name] else { return nil }
            if key == .injectNaNAtStep { return "--inject-nan-at-step" }
            return "--" + name.reduce(into: "") { out, c in out += c.isUppercase ? "-" + c.lowercased() : String(c) }
        }
    }

    @Flag(help: "Replace the run already in the output folder (refused without it).")
    var force = false

    @Option(help: "Continue the killed or interrupted run in this folder from its last checkpoint, with the options of its run.json (the final model is the one an uninterrupted run gives, bit for bit).")
    var resume: String?

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(help: "Also write the sample grid every N epochs (samples-epoch-<E>.png; image data; 0: never).")
    var picturesEvery: Int = 0

    @OptionGroup var scaleOption: ScaleOption

    func run() throws {
        try reportingErrors {
            let progress = ProgressReporter()
            let policy = try checkpointOptions.policy()
            let scale = try scaleOption.validated()
            guard picturesEvery >= 0 else { throw RDAError("--pictures-every \(picturesEvery) must be 0 (never) or a number of epochs") }
            let dir: URL, report: EvaluationReport
            if let resume {
                guard !force else { throw RDAError("--resume continues a run, --force replaces one: give one of them") }
                let conflicting = try Self.flagsBesideResume(options.request(lambda: lambda)) + (picturesEvery != 0 ? ["--pictures-every"] : [])
                    + (out != Self.defaultOut && URL(fileURLWithPath: out).standardizedFileURL != URL(fileURLWithPath: resume).standardizedFileURL ? ["--out"] : [])
                guard conflicting.isEmpty else {
                    throw RDAError("--resume continues \(resume) with the options of its run.json; drop \(conflicting.joined(separator: ", ")) (or start a new run with another --out)")
                }
                dir = URL(fileURLWithPath: resume)
                report = try TrainingRun.resume(dir, checkpoints: policy, events: progress.handle)
            } else {
                guard !out.trimmingCharacters(in: .whitespaces).isEmpty else { throw RDAError("--out is empty; name the run's folder, e.g. --out runs/first") }
                let req = try options.request(lambda: lambda)
                dir = URL(fileURLWithPath: out)
                report = try TrainingRun.run(req, in: dir, force: force, checkpoints: policy, scale: scale, picturesEvery: picturesEvery,
                                             events: progress.handle)
            }
            Console.info("wrote \(dir.path)/{model.safetensors, metrics.jsonl, run.json, eval.json, training.svg, rate-per-dim.svg\(report.psnrDb != nil ? ", samples.png, reconstructions.png, interpolations.png, traversals.png" : ""), report.html}")
            Console.info("open \(dir.appendingPathComponent(RunReport.file).path) to see the run")
            print(try EvalFormatting.summary(report))
        }
    }
}

/// How often `train` and `sweep` save the resumable training state within an epoch.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Save the resumable training state (DIR/state.safetensors) every N steps as well (default: by time only).")
    var checkpointSteps: Int?

    @Option(help: "Save the resumable training state every T seconds (0: only at the end of epochs).")
    var checkpointSeconds: Double = TrainingRun.defaultCheckpoints.seconds ?? 30

    func policy() throws -> CheckpointPolicy {
        if let n = checkpointSteps, n < 1 { throw RDAError("--checkpoint-steps \(n) must be at least 1") }
        guard checkpointSeconds >= 0, checkpointSeconds.isFinite else {
            throw RDAError("--checkpoint-seconds \(checkpointSeconds) must be a finite number >= 0 (0: at epoch ends only)")
        }
        return CheckpointPolicy(steps: checkpointSteps, seconds: checkpointSeconds > 0 ? checkpointSeconds : nil)
    }
}
