import RDAReport
import Foundation
import RDACore
import RDAIO

/// Lambda sweeps: one training run per lambda in `DIR/lambda-<value>/`, joined into a
/// rate-distortion curve (`curve.json`, `curve.csv`, `curve.svg`) beside its bound.
///
/// Runs are independent, so a sweep can be split over machines (`Shard`) and joined afterwards
/// by `merge` from the run folders alone; a finished run is never trained again.
public enum Sweep {
    /// What a sweep reports as it goes.
    public enum Event {
        /// Training for `lambda` begins (the `index`-th of `of`).
        case starting(lambda: Double, index: Int, of: Int)
        /// A finished run for `lambda` was found and reused.
        case reused(lambda: Double)
        /// Another process (a second sweep on the same folder) holds this lambda's folder: it is
        /// left to that process for now and waited for at the end.
        case busy(lambda: Double)
        /// An event of the current training run.
        case run(TrainingRun.Event)
        /// The run for `lambda` finished with this test-split evaluation.
        case finished(lambda: Double, report: EvaluationReport)
        /// Training stopped (recorded in `SweepFailure.fileName`; `recorded`: by an earlier run).
        case failed(lambda: Double, reason: String, recorded: Bool)
    }

    /// A finished run found on disk.
    public struct Entry {
        /// The run's folder.
        public let folder: URL
        /// What the run was asked (its `run.json`).
        public let record: TrainingRun.Record
        /// Its test-split evaluation (`eval.json`).
        public let report: EvaluationReport
    }

    /// Trains every lambda of `lambdas` (the shard's slice of it) that has no finished run in `dir`.
    ///
    /// Each lambda's folder is locked while it trains (`FolderLock`), so sweeps running at once on
    /// one folder share the work: a sweep skips a lambda another one is training, goes on with
    /// the next, and at the end waits for the skipped ones (finding them finished, or resuming
    /// one whose process died). A lambda whose run was interrupted is resumed from its training
    /// state, bit for bit (`TrainingRun.resume`).
    public static func train(_ request: TrainRequest, lambdas: [Double], shard: Shard? = nil, in dir: URL,
                             checkpoints: CheckpointPolicy = TrainingRun.defaultCheckpoints,
                             events: (Event) -> Void = { _ in }) throws {
        let mine = shard?.select(lambdas) ?? lambdas
        try TrainingRun.prepare(dir)
        var skipped: [(Int, Double)] = []
        for (i, lambda) in mine.enumerated() {
            if try !trainOne(request, lambda: lambda, index: i, of: mine.count, in: dir, wait: false, checkpoints: checkpoints, events: events) {
                events(.busy(lambda: lambda))
                skipped.append((i, lambda))
            }
        }
        for (i, lambda) in skipped {
            _ = try trainOne(request, lambda: lambda, index: i, of: mine.count, in: dir, wait: true, checkpoints: checkpoints, events: events)
        }
    }

    /// Reuses, resumes or trains one lambda; false when its folder is locked by another process
    /// (only with `wait` false).
    static func trainOne(_ request: TrainRequest, lambda: Double, index i: Int, of count: Int, in dir: URL, wait: Bool,
                         checkpoints: CheckpointPolicy, events: (Event) -> Void) throws -> Bool {
        var r = request
        r.lambda = lambda
        let folder = dir.appendingPathComponent(LambdaList.folderName(lambda))
        func reuse() throws -> Bool {
            guard let done = try finished(folder) else { return false }
            guard done.record.request == r else {
                throw RDAError("\(folder.path) holds a finished run with other options than this sweep's; use another ‹out› or remove that folder")
            }
            events(.reused(lambda: lambda))
            return true
        }
        if try reuse() { return true }
        if let failure = SweepFailure.read(in: folder) {
            if failure.request == r { events(.failed(lambda: lambda, reason: failure.reason, recorded: true)); return true }
            SweepFailure.remove(in: folder)
        }
        let existed = FileManager.default.fileExists(atPath: folder.path)
        guard let lock = try FolderLock.acquire(folder, wait: wait) else { return false }
        defer { lock.release() }
        if try reuse() { return true }   // finished by another sweep while we waited
        var resume = false
        switch TrainingRun.state(of: folder) {
        case .resumable:
            let old = try? JSONDecoder().decode(TrainingRun.Record.self, from: Data(contentsOf: folder.appendingPathComponent(TrainingRun.runFile)))
            guard old?.request == r else {
                throw RDAError("\(folder.path) holds an unfinished run with other options than this sweep's; use another ‹out› or remove that folder")
            }
            resume = true
        case .partial: try TrainingRun.removeRun(in: folder)   // unfinished, nothing to resume from
        case .empty, .finished: break
        }
        events(.starting(lambda: lambda, index: i + 1, of: count))
        let report: EvaluationReport
        do {
            report = try TrainingRun.execute(r, in: folder, resume: resume, checkpoints: checkpoints, evalSeed: 0, events: { events(.run($0)) })
        } catch {
            if TrainingRun.state(of: folder) == .empty { TrainingRun.cleanUp(folder, removeFolder: !existed) }
            guard SweepFailure.isTrainingStop(error) else { throw error }
            // a lambda whose training stopped is recorded, so that a rerun with the same options skips it
            let reason = "\(error)"
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try SweepFailure(lambda: lambda, reason: reason, request: r).write(in: folder)
            events(.failed(lambda: lambda, reason: reason, recorded: false))
            return true
        }
        events(.finished(lambda: lambda, report: report))
        return true
    }

    /// The finished run in `folder` (its run.json and eval.json), or nil when it has not finished.
    public static func finished(_ folder: URL) throws -> Entry? {
        let evalURL = folder.appendingPathComponent(TrainingRun.evalFile), runURL = folder.appendingPathComponent(TrainingRun.runFile)
        guard FileManager.default.fileExists(atPath: evalURL.path), FileManager.default.fileExists(atPath: runURL.path) else { return nil }
        do {
            let record = try JSONDecoder().decode(TrainingRun.Record.self, from: Data(contentsOf: runURL))
            let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: evalURL))
            return Entry(folder: folder, record: record, report: report)
        } catch {
            throw RDAError("\(folder.path): run.json or eval.json is unreadable (\(error)); remove the folder to train it again")
        }
    }

    /// Every finished `lambda-*` run under the sweep folders `dirs`, checked to form one curve
    /// (same data and distortion, and the same model family), one entry per lambda, sorted by lambda.
    public static func collect(_ dirs: [URL]) throws -> [Entry] {
        var entries: [Entry] = []
        for dir in dirs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
                throw RDAError("\(dir.path): no such sweep folder")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("lambda-") }.sorted()
            for name in names {
                if let e = try finished(dir.appendingPathComponent(name)) { entries.append(e) }
            }
        }
        guard let first = entries.first else {
            throw RDAError("no finished runs (lambda-*/eval.json) in \(dirs.map(\.path).joined(separator: ", ")); run the sweep's shards first")
        }
        for e in entries {
            // records are input: a lambda the command line refuses is refused here too
            let l = e.record.config.lambda, r = e.report.lambda
            guard l > 0, l.isFinite, r > 0, r.isFinite else {
                throw RDAError("\(e.folder.path): its lambda (\(formatNumber(l)) in run.json, \(formatNumber(r)) in eval.json) is not a positive finite number; the run's files are damaged, remove the folder")
            }
            let a = first.record.config, b = e.record.config
            if a.data != b.data {
                throw RDAError("cannot merge runs of different data: \(first.folder.path) is \(a.data), \(e.folder.path) is \(b.data)")
            }
            if a.distortion != b.distortion {
                throw RDAError("cannot merge runs of different distortion: \(first.folder.path) is \(a.distortion.rawValue), \(e.folder.path) is \(b.distortion.rawValue)")
            }
            if a.arch != b.arch || a.latentDim != b.latentDim || a.widths != b.widths || a.channel != b.channel
                || a.resBlocks != b.resBlocks || a.hidden != b.hidden {
                throw RDAError("cannot merge runs of different models: \(first.folder.path) is \(describe(a)), \(e.folder.path) is \(describe(b))")
            }
        }
        var byLambda: [Double: Entry] = [:]
        for e in entries {
            let l = e.record.config.lambda
            if let other = byLambda[l] {
                guard other.record.request == e.record.request else {
                    throw RDAError("lambda \(formatNumber(l)) was trained twice with different options (\(other.folder.path), \(e.folder.path)); keep one")
                }
                continue
            }
            byLambda[l] = e
        }
        return byLambda.keys.sorted().map { byLambda[$0]! }
    }

    /// The curve of `entries` (sorted by lambda), with `bound` when given.
    public static func curve(_ entries: [Entry], name: String, bound: BoundReport?) -> CurveData {
        let reports = entries.map(\.report)
        let cfg = entries[0].record.config
        let results = CurveData.Results(
            lambda: reports.map(\.lambda), rateNats: reports.map(\.rateNats), rateBits: reports.map(\.rateBits),
            distortion: reports.map(\.distortion), msePerDim: reports.map(\.msePerDim), psnrDb: reports.map(\.psnrDb),
            miEstimateNats: allPresent(reports.map(\.figures.mutualInformationNats)), objective: reports.map(\.objective))
        return CurveData(name: name, description: "\(describe(cfg)), \(cfg.distortion.rawValue) distortion, on \(cfg.data) (test split)",
                         data: cfg.data, distortionKind: cfg.distortion.rawValue, results: results,
                         bound: bound?.curveBound(lambdas: reports.map(\.lambda)))
    }

    /// Writes `curve.json`, `curve.csv` and `curve.svg` into `dir`.
    public static func write(_ curve: CurveData, to dir: URL) throws {
        try curve.write(to: dir.appendingPathComponent("curve.json"))
        try curve.writeCSV(to: dir.appendingPathComponent("curve.csv"))
        let chart = RateDistortionChart.make(curves: [curve], title: "Rate-distortion: \(curve.name)")
        try chart.write(to: dir.appendingPathComponent("curve.svg"))
    }

    /// The channel and its prior in words.
    static func priorDescription(_ c: ModelConfig) -> String { c.channelSettings.summary }

    static func describe(_ c: ModelConfig) -> String {
        "\(c.arch.rawValue) RDA, latent \(c.latentDim)\(c.widths.isEmpty ? "" : ", widths \(c.widths.map(String.init).joined(separator: ","))")\(c.resNetWords), \(priorDescription(c))"
    }
}

/// The values when every one is present (a curve's optional column), else nil.
func allPresent(_ values: [Double?]) -> [Double]? {
    values.contains { $0 == nil } ? nil : values.map { $0! }
}
