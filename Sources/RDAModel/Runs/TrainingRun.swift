import Foundation
import RDACore
import RDAIO

/// A training run as files in one folder:
///
///     DIR/model.safetensors     weights + configuration (written after every epoch, atomically)
///     DIR/metrics.jsonl         one line per epoch: every loss term on both splits, time
///     DIR/run.json              the request with every default filled in
///     DIR/eval.json             the test-split evaluation of the final model
///     DIR/samples.png           64 decoded draws from the prior (image data)
///     DIR/reconstructions.png   examples, noisy-channel and mean-latent reconstructions (image data)
public enum TrainingRun {
    /// File names inside a run folder.
    public static let evalFile = "eval.json", metricsFile = "metrics.jsonl", runFile = "run.json"
    /// Picture file names inside a run folder (image data).
    public static let samplesFile = "samples.png", reconstructionsFile = "reconstructions.png"

    /// What a run reports as it goes.
    public enum Event {
        case loaded(train: Int, test: Int, config: ModelConfig, options: TrainingOptions, parameters: Int)
        case training(TrainingEvent)
        case evaluated(EvaluationReport)
    }

    /// The run folder's record of what was asked.
    public struct Record: Codable, Equatable {
        /// The request as given.
        public var request: TrainRequest
        /// The model configuration, defaults filled in.
        public var config: ModelConfig
        /// The training options, defaults filled in.
        public var options: TrainingOptions
    }

    /// Trains, evaluates and writes every file of the run into `dir`.
    @discardableResult
    public static func run(_ request: TrainRequest, in dir: URL, evalSeed: UInt64 = 0,
                           events: (Event) -> Void = { _ in }) throws -> EvaluationReport {
        try request.validate()
        try prepare(dir)
        let source = try DataSource.parse(request.data)
        func load(_ split: Split) throws -> Dataset {
            try source.load(split: split, dataDir: request.dataDir, examples: request.examples,
                            testExamples: request.testExamples, dataSeed: request.dataSeed)
        }
        let train = try load(.train), test = try load(.test)
        let (config, options) = try request.resolved(for: train, source: source)
        var rng = SeededGenerator(seed: request.seed)
        let model = RateDistortionAutoencoder(config: config, rng: &rng)
        events(.loaded(train: train.count, test: test.count, config: config, options: options,
                       parameters: model.parameters.reduce(0) { $0 + $1.count }))
        let record = Record(request: request, config: config, options: options)
        try AtomicFile.write(JSONEncoder.pretty.encode(record), to: dir.appendingPathComponent(runFile))
        let metricsURL = dir.appendingPathComponent(metricsFile)
        try? FileManager.default.removeItem(at: metricsURL)
        try? FileManager.default.removeItem(at: dir.appendingPathComponent(evalFile))
        let modelURL = dir.appendingPathComponent(Checkpoint.fileName)
        let trainingJSON = String(decoding: try JSONEncoder.sorted.encode(options), as: UTF8.self)
        let dataJSON = String(decoding: try JSONEncoder.sorted.encode(DataRecord(request)), as: UTF8.self)
        _ = try Trainer(model: model, options: options).train(on: train, test: test, progress: { events(.training($0)) }) { m in
            try JSONLines.append(m, to: metricsURL)
            try Checkpoint.save(model, to: modelURL, extra: ["rda.training": trainingJSON, "rda.data": dataJSON])
        }
        let report = try Evaluator.evaluate(model: model, data: test, split: .test, dataName: source.description,
                                            seed: evalSeed, bound: source.gaussianBound)
        events(.evaluated(report))
        if train.isImage {
            try Pictures.writeSheet(Pictures.samples(model, count: 64, seed: evalSeed), shape: config.exampleShape,
                                    columns: 8, to: dir.appendingPathComponent(samplesFile))
            try Pictures.writeReconstructionSheet(Pictures.reconstructions(model, data: test, count: 16, seed: evalSeed),
                                                  shape: config.exampleShape, to: dir.appendingPathComponent(reconstructionsFile))
        }
        try AtomicFile.write(JSONEncoder.pretty.encode(report), to: dir.appendingPathComponent(evalFile))
        return report
    }

    /// Creates `dir` (and parents) and checks that it takes files, before any work is done.
    public static func prepare(_ dir: URL) throws {
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let probe = dir.appendingPathComponent(".rda-write-test-\(getpid())")
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw RDAError("cannot write to output folder \(dir.path): \(OutputFolderProblem.describe(dir)); choose another --out")
        }
    }
}

extension JSONEncoder {
    /// Pretty-printed, sorted keys: for the JSON files a person reads.
    public static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
