import Foundation
import RDACore
import RDAKernels
import RDAIO

/// A training run as files in one folder:
///
///     DIR/model.safetensors     weights + configuration (written after every epoch, atomically)
///     DIR/metrics.jsonl         one line per finished epoch: every loss term on both splits, time
///     DIR/run.json              the request with every default filled in
///     DIR/state.safetensors     the resumable training state (`TrainingState`), while training
///     DIR/eval.json             the test-split evaluation of the final model (the run is finished)
///     DIR/samples.png           64 decoded draws from the prior (image data)
///     DIR/reconstructions.png   examples, noisy-channel and mean-latent reconstructions (image data)
///     DIR/report.html           the run's page with its charts and pictures (see `RunReport`)
///     DIR/.rda-lock             held (flock) by the process writing into DIR
///
/// The folder holds one run's files at every instant: nothing is written before the first
/// checkpoint (run.json and state.safetensors together), a metrics line is written only after
/// its epoch's model and state, and a folder holding another run is refused unless `force`
/// (which then removes that run's files first). A run that fails before its first checkpoint
/// leaves nothing behind. A killed run continues with `resume`, bit for bit.
public enum TrainingRun {
    /// File names inside a run folder.
    public static let evalFile = "eval.json", metricsFile = "metrics.jsonl", runFile = "run.json"
    /// Picture file names inside a run folder (image data).
    public static let samplesFile = "samples.png", reconstructionsFile = "reconstructions.png"
    /// The resumable training state's file name inside a run folder (`TrainingState.fileName`).
    public static let stateFile = TrainingState.fileName

    /// Every file a run writes, in the order `force` removes them (the finished mark first, the
    /// record last), so that the folder never mixes two runs.
    static let runFiles = [RunReport.file, RunReport.trainingChart, RunReport.ratePerDimChart, RunReport.interpolationsFile,
                           RunReport.traversalsFile, evalFile, samplesFile, reconstructionsFile, stateFile, metricsFile,
                           Checkpoint.fileName, runFile]

    /// Checkpoints within epochs by default: every 30 seconds.
    public static let defaultCheckpoints = CheckpointPolicy(seconds: 30)

    /// What a run reports as it goes.
    public enum Event {
        /// The data is loaded and the model built: example counts of each split, the model
        /// configuration and training options in effect, and the model's parameter count.
        case loaded(train: Int, test: Int, config: ModelConfig, options: TrainingOptions, parameters: Int)
        /// Training continues from a saved state at this epoch and step within it (0-based).
        case resumed(epoch: Int, step: Int)
        /// A step or an epoch of training finished (see `TrainingEvent`).
        case training(TrainingEvent)
        /// The final evaluation on the test split is done.
        case evaluated(EvaluationReport)
    }

    /// The run folder's record of what was asked (run.json).
    ///
    /// Versioned: `version` is `currentVersion` in the files this rda writes and 1 in files
    /// written before it existed; every part decodes a field it lacks with its default, so a
    /// field added later keeps older run.json files loading (Tests/RDAModelTests/Fixtures).
    public struct Record: Codable, Equatable {
        /// The format of run.json this rda writes: 2 added `version` itself; 3 made the request's
        /// channel one object with its own settings (`ChannelConfig`), where 2 had `channel` a
        /// name beside flat `prior`, `priorComponents` and `rate`.
        public static let currentVersion = 3
        /// The format the file was written in (1: before the field existed).
        public var version: Int = Record.currentVersion
        /// The request as given.
        public var request: TrainRequest
        /// The model configuration, defaults filled in.
        public var config: ModelConfig
        /// The training options, defaults filled in.
        public var options: TrainingOptions
        /// The folder of an `images:DIR` run: its file counts, split, channels and crop.
        public var images: ImageDataRecord? = nil

        /// A record of the current version.
        public init(request: TrainRequest, config: ModelConfig, options: TrainingOptions) {
            self.request = request; self.config = config; self.options = options
        }

        enum CodingKeys: String, CodingKey { case version, request, config, options, images }

        /// Reads run.json of any version.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            version = try c.decode(.version, default: 1)
            request = try c.decode(TrainRequest.self, forKey: .request)
            config = try c.decode(ModelConfig.self, forKey: .config)
            options = try c.decode(TrainingOptions.self, forKey: .options)
            images = try c.decodeIfPresent(ImageDataRecord.self, forKey: .images)
        }

        /// Whether `other` asks for the same run (whatever the versions of the two files).
        public func asksTheSame(as other: Record) -> Bool {
            request == other.request && config == other.config && options == other.options && images == other.images
        }
    }

    /// What a folder holds.
    public enum FolderState: Equatable {
        /// No run files (or only the run.json of a run killed before its first checkpoint).
        case empty
        /// eval.json: a finished run.
        case finished
        /// run.json and state.safetensors without eval.json: a run that can be resumed.
        case resumable
        /// Some run files, but neither finished nor resumable.
        case partial
    }

    /// The state of the run folder `dir`.
    public static func state(of dir: URL) -> FolderState {
        func has(_ name: String) -> Bool { FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path) }
        if has(evalFile) { return .finished }
        if has(runFile) && has(stateFile) { return .resumable }
        // run.json alone: a run killed before its first checkpoint wrote it (nothing to keep)
        let present = runFiles.filter(has)
        return present.isEmpty || present == [runFile] ? .empty : .partial
    }

    /// Trains, evaluates and writes every file of the run into `dir`. A folder that already
    /// holds run files is refused unless `force`, which removes them first. `scale`: pixels per
    /// image pixel in the pictures; `picturesEvery` N > 0: also a sample grid every N epochs
    /// (`samples-epoch-<E>.png`, the same noise each time).
    @discardableResult
    public static func run(_ request: TrainRequest, in dir: URL, force: Bool = false,
                           checkpoints: CheckpointPolicy = defaultCheckpoints, evalSeed: UInt64 = 0,
                           scale: Int = 2, picturesEvery: Int = 0,
                           events: (Event) -> Void = { _ in }) throws -> EvaluationReport {
        try request.validate()
        try checkOwnFolder(dir)
        let existed = FileManager.default.fileExists(atPath: dir.path)
        try prepare(dir)
        let lock = try lockOrRefuse(dir)
        defer { lock.release() }
        switch state(of: dir) {
        case .empty: break
        case _ where force: try removeRun(in: dir)
        case .finished:
            throw RDAError("\(dir.path) holds a finished run; pass ‹force› to replace it, or choose another ‹out›")
        case .resumable:
            throw RDAError("\(dir.path) holds an unfinished run; continue it with rda train ‹resume› \(dir.path), or pass ‹force› to replace it")
        case .partial:
            throw RDAError("\(dir.path) holds files of another run (\(runFiles.filter { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }.joined(separator: ", "))); pass ‹force› to replace them, or choose another ‹out›")
        }
        do {
            return try execute(request, in: dir, resume: false, checkpoints: checkpoints, evalSeed: evalSeed,
                               scale: scale, picturesEvery: picturesEvery, events: events)
        } catch {
            // Before the first complete checkpoint (no state file: a full disk at the first one,
            // say) the files written are this attempt's alone and resume nothing: remove them,
            // so that a rerun or --resume is not refused for them.
            if !FileManager.default.fileExists(atPath: dir.appendingPathComponent(stateFile).path) { try? removeRun(in: dir) }
            if state(of: dir) == .empty { cleanUp(dir, removeFolder: !existed) }
            throw error
        }
    }

    /// Continues the run in `dir` from its last checkpoint (state.safetensors) with the options
    /// of its run.json; the final model is byte-identical to an uninterrupted run's.
    @discardableResult
    public static func resume(_ dir: URL, checkpoints: CheckpointPolicy = defaultCheckpoints, evalSeed: UInt64 = 0,
                              events: (Event) -> Void = { _ in }) throws -> EvaluationReport {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw RDAError("‹resume› \(dir.path): no such run folder; give the ‹out› folder of the run to continue")
        }
        let lock = try lockOrRefuse(dir)
        defer { lock.release() }
        switch state(of: dir) {
        case .resumable: break
        case .finished: throw RDAError("\(dir.path): the run has finished (eval.json is there); nothing to resume")
        case .empty: throw RDAError("\(dir.path) holds no run; start one with rda train ‹out› \(dir.path)")
        case .partial:
            throw RDAError("\(dir.path): no run.json and state.safetensors to resume from (a run of an older rda, or killed before its first checkpoint); train it again with ‹force›")
        }
        let record = try readRecord(dir.appendingPathComponent(runFile))
        return try execute(record.request, in: dir, resume: true, checkpoints: checkpoints, evalSeed: evalSeed, events: events, record: record)
    }

    /// The run.json at `url`, decoded and validated like the command line's options (run.json is
    /// input too: the same rules, once for every source); one-line errors naming the file.
    public static func readRecord(_ url: URL) throws -> Record {
        let record: Record
        do { record = try JSONDecoder().decode(Record.self, from: Data(contentsOf: url)) } catch {
            throw RDAError("\(url.path) is unreadable (\("\(error)".split(whereSeparator: \.isNewline).joined(separator: " "))); train again with ‹force›")
        }
        do { try record.request.validate() } catch {
            throw RDAError("\(url.path) asks for what the command line refuses: \(error); train again with ‹force›")
        }
        return record
    }

    /// Trains `request` into the locked folder `dir` (from its state when `resume`), evaluates
    /// and writes the pictures and eval.json, then removes the state. `record`: the run.json
    /// being resumed (the data must give the same configuration again).
    static func execute(_ request: TrainRequest, in dir: URL, resume: Bool, checkpoints: CheckpointPolicy,
                        evalSeed: UInt64, scale: Int = 2, picturesEvery: Int = 0,
                        events: (Event) -> Void, record old: Record? = nil) throws -> EvaluationReport {
        AtomicFile.removeStaleTemporaries(in: dir)
        let source = try DataSource.parse(request.data)
        // an images:DIR folder is read once: centre crops as the fixed sets, random crops to train on
        var folder: ImageFolder? = nil
        if case .images(let dir) = source { folder = try ImageFolder(path: dir, options: request.imageOptions) }
        func load(_ split: Split) throws -> Dataset {
            if let folder { return try folder.centreCrops(split) }
            return try source.load(split: split, dataDir: request.dataDir, examples: request.examples,
                                   testExamples: request.testExamples, dataSeed: request.dataSeed)
        }
        let train = try load(.train), test = try load(.test)
        try Dataset.checkSplitsMatch(train: train, test: test, source: source)
        let (config, resolvedOptions) = try request.resolved(for: train, source: source)
        var options = resolvedOptions
        let batches: any BatchSource
        if let folder { batches = CropSampler(folder) } else {
            guard train.count >= options.batchSize else {
                throw RDAError("batch size \(options.batchSize) is larger than the \(train.count) training examples; lower ‹batch-size›")
            }
            batches = DatasetBatches(train)
        }
        if let steps = options.steps {   // whole epochs that hold the steps (the last one cut short)
            let perEpoch = max(1, batches.examplesPerEpoch / options.batchSize)
            options.epochs = (steps + perEpoch - 1) / perEpoch
        }

        try MemoryEstimate.require(MemoryEstimate.trainingBytes(config, batchSize: options.batchSize, trainExamples: train.count, testExamples: test.count),
                                   for: "training this model (\(config.arch.rawValue), latent \(config.latentDim), widths \(config.widths)\(config.resNetWords), batch \(options.batchSize))",
                                   fix: "choose a smaller ‹latent-dim›, ‹widths›, ‹batch-size› or fewer examples")
        var record = Record(request: request, config: config, options: options)
        record.images = folder.map { ImageDataRecord($0, options: request.imageOptions) }
        if let old, !old.asksTheSame(as: record) {
            throw RDAError("\(dir.path): the data now give another configuration than run.json records (data changed?); train again with ‹force›")
        }
        // which GEMM backends run this model's steps here (timed once per machine, then cached);
        // a resumed run takes the whole-step policy its state records, so that a lost or
        // rewritten cache cannot move it to other backends
        if resume { adoptRecordedPolicy(dir.appendingPathComponent(stateFile)) }
        let gemm = gemmSetup(Trainer.calibrateGEMM(config: config, options: options))
        var rng = SeededGenerator(seed: request.seed)
        let model = RateDistortionAutoencoder(config: config, rng: &rng)
        events(.loaded(train: train.count, test: test.count, config: config, options: options,
                       parameters: model.parameters.reduce(0) { $0 + $1.count }))
        let trainer = Trainer(model: model, options: options)
        let stateURL = dir.appendingPathComponent(stateFile)
        let metricsURL = dir.appendingPathComponent(metricsFile), modelURL = dir.appendingPathComponent(Checkpoint.fileName)
        let trainingJSON = String(decoding: try JSONEncoder.sorted.encode(options), as: UTF8.self)
        var dataRecord = DataRecord(request)
        dataRecord.images = record.images
        let dataJSON = String(decoding: try JSONEncoder.sorted.encode(dataRecord), as: UTF8.self)
        var recorded = resume, metricLines = 0
        func writeRecord() throws {
            if !recorded { try AtomicFile.write(JSONEncoder.pretty.encode(record), to: dir.appendingPathComponent(runFile)); recorded = true }
        }
        /// metrics.jsonl: exactly the finished epochs (written once their model and state are).
        func writeMetrics(_ history: [EpochMetrics]) throws {
            guard history.count != metricLines else { return }
            let lines = try history.map { try JSONLines.line(forEncodable: $0) + "\n" }
            try AtomicFile.write(Data(lines.joined().utf8), to: metricsURL)
            metricLines = history.count
        }
        var start: TrainingPosition? = nil
        if resume {
            let position = try TrainingState.restore(trainer, from: stateURL, gemm: gemm)
            start = position
            // a kill between the state and the metrics line lost that line: write it again
            metricLines = -1
            if !position.history.isEmpty { try writeMetrics(position.history) }
            metricLines = position.history.count
            events(.resumed(epoch: position.epoch, step: position.step))
        }
        _ = try trainer.train(batches: batches, test: test, from: start, checkpoints: checkpoints,
                              progress: { events(.training($0)) },
                              onEpoch: { m in
                                  try writeRecord()
                                  try Checkpoint.save(model, to: modelURL, extra: ["rda.training": trainingJSON, "rda.data": dataJSON])
                                  if picturesEvery > 0, train.isImage, m.epoch % picturesEvery == 0 {
                                      try RunReport.writeEpochSamples(model, epoch: m.epoch, seed: evalSeed, scale: scale, into: dir)
                                  }
                              },
                              onCheckpoint: { position in
                                  try writeRecord()
                                  try TrainingState.save(trainer, at: position, to: stateURL, gemm: gemm)
                                  try writeMetrics(position.history)
                              })
        let report = try Evaluator.evaluate(model: model, data: test, split: .test, dataName: source.description,
                                            seed: evalSeed, bound: source.exactBound(distortion: config.distortion))
        events(.evaluated(report))
        let figures = try RunReport.writePictures(model, test: test, seed: evalSeed, scale: scale, into: dir)
        // eval.json marks the run finished: the last file written
        try RunReport.write(dir: dir, figures: figures, evaluation: report)
        try AtomicFile.write(JSONEncoder.pretty.encodeFinite(report), to: dir.appendingPathComponent(evalFile))
        try? FileManager.default.removeItem(at: stateURL)
        return report
    }

    /// Makes the whole-step GEMM policy recorded in the state at `url` (`auto/<policy>`) the
    /// process's policy, when this process has the same choice (no `RDA_GEMM`, OpenBLAS loaded).
    /// Any other difference is left for `TrainingState.restore` to refuse.
    static func adoptRecordedPolicy(_ url: URL, selector: GEMMSelector = .shared) {
        guard GEMM.requestedBackend == nil, GEMM.isOpenBLASAvailable,
              let recorded = TrainingState.recordedGEMMSetup(url), recorded.hasPrefix("auto/"),
              let policy = GEMMPolicy(rawValue: String(recorded.dropFirst("auto/".count))) else { return }
        selector.adoptPolicy(policy)
    }

    /// The GEMM setup training steps run under, recorded in the state: `RDA_GEMM` (or auto),
    /// then the whole-step policy when OpenBLAS is there to choose from, e.g. `auto/per_shape`,
    /// `auto/swift`, `swift` (forced, or no OpenBLAS). Per-shape decisions under `per_shape`
    /// come from the calibration cache and are not part of it.
    static func gemmSetup(_ policy: GEMMPolicy) -> String {
        if let forced = GEMM.requestedBackend { return forced.rawValue }
        return GEMM.isOpenBLASAvailable ? "auto/\(policy.rawValue)" : "swift"
    }

    /// Takes `dir`'s lock, or refuses at once when another process holds it.
    static func lockOrRefuse(_ dir: URL) throws -> FolderLock {
        guard let lock = try FolderLock.acquire(dir, wait: false) else {
            throw RDAError("another rda process is writing into \(dir.path); wait for it to finish or choose another ‹out›")
        }
        return lock
    }

    /// Removes the run files of `dir` (see `runFiles` for the order).
    static func removeRun(in dir: URL) throws {
        for name in runFiles {
            let url = dir.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            do { try FileManager.default.removeItem(at: url) } catch {
                throw RDAError("cannot remove \(url.path) to replace the run: \((error as NSError).localizedDescription); remove it by hand or choose another ‹out›")
            }
        }
    }

    /// After a failure before the first checkpoint: removes the lock file, and the folder when
    /// this run created it and it is empty.
    static func cleanUp(_ dir: URL, removeFolder: Bool) {
        try? FileManager.default.removeItem(at: dir.appendingPathComponent(FolderLock.fileName))
        if removeFolder, (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// Whether `name` is a passing file of an rda process: an `AtomicFile` temporary
    /// (`.NAME.PID.N.tmp`) or the writability probe of `prepare` (`.rda-write-test-PID`), which
    /// another process writing into the same folder (two sweeps) may hold for a moment.
    public static func isOwnTemporary(_ name: String) -> Bool {
        (name.hasPrefix(".") && name.hasSuffix(".tmp")) || name.hasPrefix(".rda-write-test-")
    }

    /// Refuses, before anything (the lock included) is written there, an output folder that
    /// holds files but no sign of rda (neither run.json nor `.rda-lock`): the user's own files,
    /// or `/`. `force` replaces a run, never a folder rda did not make.
    static func checkOwnFolder(_ dir: URL) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw RDAError("‹out› \(dir.path) is a file, not a folder; choose a new folder") }
        guard let all = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }   // prepare() names the problem
        let names = all.filter { !isOwnTemporary($0) }
        if names.isEmpty || names.contains(runFile) || names.contains(FolderLock.fileName) { return }
        let shown = names.sorted().prefix(3).joined(separator: ", ") + (names.count > 3 ? ", ..." : "")
        throw RDAError("‹out› \(dir.path) is not empty (\(shown)) and holds no rda run; choose a new or empty folder (‹force› replaces only an rda run)")
    }

    /// Creates `dir` (and parents) and checks that it takes files, before any work is done.
    public static func prepare(_ dir: URL) throws {
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let probe = dir.appendingPathComponent(".rda-write-test-\(getpid())")
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw RDAError("cannot write to output folder \(dir.path): \(OutputFolderProblem.describe(dir)); choose another ‹out›")
        }
    }
}

/// rda's JSON encoder settings for files a person reads.
extension JSONEncoder {
    /// Pretty-printed, sorted keys: for the JSON files a person reads.
    public static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
