import ArgumentParser
import Foundation
import RDAModel

extension Architecture: ExpressibleByArgument {}
extension DistortionKind: ExpressibleByArgument {}
extension Prior.Kind: ExpressibleByArgument {}
extension ChannelKind: ExpressibleByArgument {}
extension RateEstimator: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension Split: ExpressibleByArgument {}

/// Where examples come from, shared by every command that reads data.
struct DataOptions: ParsableArguments {
    @Option(help: "mnist, fashion-mnist, a folder of IDX files, gaussian:V1,V2,... (independent Gaussian source with those variances) or laplace:B1,B2,... (independent Laplace source with those scales). Default: mnist for train and sweep, the model's own data otherwise.")
    var data: String?

    @Option(help: "Folder searched first for mnist / fashion-mnist (then $RDA_DATA_DIR/<name>, /usr/share/datasets/<name>, ~/.cache/rda/<name>).")
    var dataDir: String?

    @Option(help: "Examples of the training split: the first N of an image set (default all), or N draws from a gaussian: or laplace: source (default 50000). The test split is always whole (gaussian: and laplace: sources: --test-examples).")
    var examples: Int?

    @Option(help: "Test examples drawn from a gaussian: or laplace: source.")
    var testExamples: Int = 100_000

    @Option(help: "Seed of a gaussian: or laplace: source's draws (independent of --seed).")
    var dataSeed: UInt64 = 0

    /// The source named by --data, or `fallback` when it was not given.
    func source(default fallback: String) throws -> DataSource { try DataSource.parse(data ?? fallback) }

    /// Loads one split of the source (`fallback` when --data was not given).
    func load(_ split: Split, default fallback: String) throws -> (source: DataSource, data: Dataset) {
        let source = try source(default: fallback)
        let data = try source.load(split: split, dataDir: dataDir, examples: examples, testExamples: testExamples, dataSeed: dataSeed)
        return (source, data)
    }
}

/// The options of `rda train` (also taken by `rda sweep`).
struct ModelTrainOptions: ParsableArguments {
    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Encoder/decoder family: linear, mlp or conv (default: conv for images, linear for gaussian: and laplace:).")
    var arch: Architecture?

    @Option(help: "Latent dimensions K (default: 32 for images, the source's dimension for gaussian: and laplace:).")
    var latentDim: Int?

    @Option(help: "Hidden widths (mlp, e.g. 512,256) or channels (conv, e.g. 32,64).")
    var widths: String?

    @Option(help: "Distortion: l2 (squared error) or l1 (absolute error), summed over dimensions (default: l1 for laplace:, l2 otherwise).")
    var distortion: DistortionKind?

    @Option(help: "Bottleneck: gaussian (noisy channel z = mu + sigma eps) or quantized (z = round(y), entropy coded with a learned discrete prior).")
    var channel: ChannelKind = .gaussian

    @Option(help: "Prior of the gaussian channel: standard N(0, I) or learned N(mu_z, sigma_z^2) (default standard).")
    var prior: Prior.Kind?

    @Option(help: "Logistic mixture components per latent dimension of the quantized channel's prior (1-8, default 3).")
    var priorComponents: Int?

    @Option(help: "Passes over the training set (default: 10 for images, 20 for gaussian: and laplace:).")
    var epochs: Int?

    @Option(help: "Examples per step.")
    var batchSize: Int = 128

    @Option(help: "Adam learning rate (default: 1e-3 for images, 1e-2 for gaussian: and laplace:).")
    var learningRate: Double?

    @Option(help: "Learning-rate schedule: cosine (anneal to 0) or constant (default: constant for images, cosine for gaussian: and laplace:).")
    var schedule: LearningRateSchedule?

    @Option(help: "Rate estimator for training: closed-form (KL) or monte-carlo (one sample).")
    var rate: RateEstimator = .closedForm

    @Option(help: "Rescale gradients whose global norm exceeds this.")
    var clipNorm: Double?

    @Option(help: "Seed of initialization, shuffling and channel noise.")
    var seed: UInt64 = 0

    @Option(name: .customLong("inject-nan-at-step"), help: .hidden)
    var injectNaNAtStep: Int?

    /// The request; `lambda` comes from `rda train --lambda` (a sweep sets it per run).
    func request(lambda: Double? = nil) throws -> TrainRequest {
        var r = TrainRequest()
        r.data = dataOptions.data ?? "mnist"; r.dataDir = dataOptions.dataDir
        r.examples = dataOptions.examples; r.testExamples = dataOptions.testExamples; r.dataSeed = dataOptions.dataSeed
        r.arch = arch; r.latentDim = latentDim; r.distortion = distortion; r.lambda = lambda; r.prior = prior
        r.channel = channel; r.priorComponents = priorComponents
        r.epochs = epochs; r.batchSize = batchSize; r.learningRate = learningRate; r.schedule = schedule
        r.rate = rate; r.clipNorm = clipNorm; r.seed = seed; r.injectNaNAtStep = injectNaNAtStep
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

    @Option(name: .customLong("lambda"), help: "Weight of the distortion in rate + lambda * distortion (default: 4 for images, 1 for gaussian: and laplace:).")
    var lambda: Double?

    @Option(help: "Output folder.")
    var out: String = "runs/latest"

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
                dir = URL(fileURLWithPath: resume)
                report = try TrainingRun.resume(dir, checkpoints: policy, events: progress.handle)
            } else {
                let req = try options.request(lambda: lambda)
                dir = URL(fileURLWithPath: out)
                report = try TrainingRun.run(req, in: dir, force: force, checkpoints: policy, scale: scale, picturesEvery: picturesEvery,
                                             events: progress.handle)
            }
            Console.info("wrote \(dir.path)/{model.safetensors, metrics.jsonl, run.json, eval.json, training.svg, rate-per-dim.svg\(report.psnrDb != nil ? ", samples.png, reconstructions.png, interpolations.png, traversals.png" : "")}")
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
