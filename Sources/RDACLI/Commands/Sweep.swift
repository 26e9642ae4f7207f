import RDAReport
import ArgumentParser
import Foundation
import RDAIO
import RDAModel

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train one model per lambda and draw the rate-distortion curve beside its bound.",
        discussion: """
        Each lambda trains in DIR/lambda-<value>/ (a finished run is reused and an interrupted one \
        resumed from its last checkpoint; sweeps running at once on one folder share the lambdas). When every lambda has finished, DIR/curve.json, curve.csv and curve.svg are written.
        Spread a sweep over machines with --shard I/N (I = 1..N), then join with --merge DIR...
        """)

    @Option(help: "Comma-separated lambdas, e.g. 0.25,0.5,1,2,4,10.")
    var lambdas: String?

    @OptionGroup var options: ModelTrainOptions

    @Option(help: "Train only slice I of N of the lambdas (I from 1 to N), e.g. --shard 2/4.")
    var shard: String?

    @Option(parsing: .upToNextOption, help: "Join the finished runs of these sweep folders into one curve (no training).")
    var merge: [String] = []

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(help: "Name of the curve (legend and title); default: the output folder's name.")
    var name: String?

    @Option(help: "Output folder (with --merge: default the first merged folder).")
    var out: String?

    func run() throws {
        try reportingErrors {
            if !merge.isEmpty {
                guard lambdas == nil, shard == nil else { throw RDAError("--merge joins finished runs; it takes no --lambdas or --shard") }
                let dirs = merge.map { URL(fileURLWithPath: $0) }
                try writeCurve(from: dirs, into: URL(fileURLWithPath: out ?? merge[0]), dataDir: options.dataOptions.dataDir)
                return
            }
            guard let lambdas else { throw RDAError("give --lambdas (e.g. --lambdas 0.5,1,2,4), or --merge DIR... to join finished sweeps") }
            let list = try LambdaList.parse(lambdas)
            let shardSpec = try shard.map(Shard.parse)
            let request = try options.request()
            guard !(out ?? "x").trimmingCharacters(in: .whitespaces).isEmpty else { throw RDAError("--out is empty; name the sweep's folder, e.g. --out runs/sweep") }
            let dir = URL(fileURLWithPath: out ?? "runs/sweep")
            try Self.checkOwnFolder(dir)
            let progress = ProgressReporter()
            try Sweep.train(request, lambdas: list, shard: shardSpec, in: dir, checkpoints: checkpointOptions.policy()) { event in
                switch event {
                case let .starting(lambda, i, n): Console.info("== lambda \(formatNumber(lambda)) (\(i)/\(n)) -> \(dir.appendingPathComponent(LambdaList.folderName(lambda)).path)")
                case let .reused(lambda): Console.info("== lambda \(formatNumber(lambda)): finished run reused")
                case let .busy(lambda): Console.info("== lambda \(formatNumber(lambda)): another process is training it; going on, will wait for it at the end")
                case let .run(e): progress.handle(e)
                case let .finished(lambda, r): Console.info(String(format: "   lambda %@: rate %.4f nats, distortion %.4f, objective %.4f", formatNumber(lambda), r.rateNats, r.distortion, r.objective))
                case let .failed(lambda, reason, recorded):
                    Console.info("== lambda \(formatNumber(lambda)) failed\(recorded ? " (recorded by an earlier run)" : ""): \(reason)")
                }
            }
            let folder = { (l: Double) in dir.appendingPathComponent(LambdaList.folderName(l)) }
            let failed = list.filter { SweepFailure.read(in: folder($0)) != nil && (try? Sweep.finished(folder($0))) == nil }
            let missing = list.filter { (try? Sweep.finished(folder($0))) == nil && !failed.contains($0) }
            if missing.isEmpty {
                if failed.count < list.count { try writeCurve(from: [dir], into: dir, dataDir: request.dataDir) }
                if !failed.isEmpty {
                    throw RDAError("lambda \(failed.map(formatNumber).joined(separator: ",")) failed to train (see \(SweepFailure.fileName) in \(failed.map { LambdaList.folderName($0) }.joined(separator: ", "))); \(failed.count < list.count ? "the curve holds the other lambdas; " : "")change the options (e.g. a lower --learning-rate) or remove those files to retry")
                }
            } else {
                Console.info("shard done; \(missing.count) lambda(s) still to train (\(missing.map(formatNumber).joined(separator: ","))): run the other shards, then rda sweep --merge \(dir.path)")
            }
        }
    }

    func writeCurve(from dirs: [URL], into dir: URL, dataDir: String?) throws {
        let entries = try Sweep.collect(dirs)
        let cfg = entries[0].record.config
        let source = try DataSource.parse(cfg.data)
        let (bound, noBound) = try BoundReport.select(source, distortion: cfg.distortion, dataDir: dataDir ?? entries[0].record.request.dataDir)
        if let noBound { Console.info("curve drawn without a bound (\(noBound))") }
        let curve = Sweep.curve(entries, name: name ?? dir.lastPathComponent, bound: bound)
        try TrainingRun.prepare(dir)
        try Sweep.write(curve, to: dir)
        try SweepReport.write(dir: dir, curve: curve, entries: entries)
        Console.info("wrote \(dir.path)/curve.{json,csv,svg} and report.html (\(entries.count) lambdas)")
        print(CurveTable.render(curve))
    }
}

extension SweepCommand {
    /// Refuses a sweep folder that holds files but nothing of a sweep (no `lambda-*` run, no
    /// curve.json, no failure record or lock): the user's own files, or `/`.
    static func checkOwnFolder(_ dir: URL) throws {
        guard let all = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        let names = all.filter { !TrainingRun.isOwnTemporary($0) }   // another sweep's passing files
        guard !names.isEmpty else { return }
        let ours = names.contains { $0.hasPrefix("lambda-") || $0.hasPrefix("curve.") || $0 == ".rda-lock" || $0 == "report.html" }
        guard ours else {
            throw RDAError("--out \(dir.path) is not empty (\(names.sorted().prefix(3).joined(separator: ", "))) and holds no sweep; choose a new or empty folder")
        }
    }
}

/// A plain-text table of a curve (lambda, rate, distortion, objective, bound).
enum CurveTable {
    static func render(_ c: CurveData) -> String {
        var lines = ["lambda      rate(nats)  rate(bits)  distortion  objective   bound_obj   vs bound"]
        let r = c.results
        for i in r.lambda.indices {
            let obj = r.objective?[i] ?? Objective.value(rate: r.rateNats[i], distortion: r.distortion[i], lambda: r.lambda[i])
            let label = formatNumber(r.lambda[i]).padding(toLength: 10, withPad: " ", startingAt: 0)
            var line = label + String(format: "  %10.4f  %10.4f  %10.4f  %10.4f", r.rateNats[i], r.rateNats[i] / M_LN2, r.distortion[i], obj)
            if let b = c.bound?.atLambdas, let bo = b.objective, i < bo.count {
                line += String(format: "  %10.4f  %+7.2f%%", bo[i], 100 * (obj / bo[i] - 1))
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

struct BoundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bound",
        abstract: "Print the rate-distortion bound of a data source as JSON (Gaussian R(D) under l2, Laplace R(D) under l1, or the Gaussian-covariance bound of image data under l2).")

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Comma-separated lambdas at which to give the bound's optimum.")
    var lambdas: String

    @Option(help: "Distortion (default: l1 for laplace:, l2 otherwise; gaussian: and image bounds are for l2, laplace: for l1).")
    var distortion: DistortionKind?

    func run() throws {
        try reportingErrors {
            let list = try LambdaList.parse(lambdas)
            let source = try dataOptions.source(default: "mnist")
            let (found, reason) = try BoundReport.select(source, distortion: distortion ?? source.defaultDistortion, dataDir: dataOptions.dataDir)
            guard let bound = found else { throw RDAError(reason ?? "no bound for this source and distortion") }
            let json = try JSONEncoder.sorted.encodeFinite(bound.curveBound(lambdas: list))
            print(String(decoding: json, as: UTF8.self))
        }
    }
}

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Overlay rate-distortion curves (curve.json files) in one SVG.")

    @Argument(help: "curve.json files (or sweep folders holding one).")
    var curves: [String]

    @Option(help: "Chart title.")
    var title: String = "Rate-distortion curves"

    @Option(help: "Output SVG file.")
    var out: String = "curves.svg"

    @Option(name: .customLong("label"), help: "The legend's name of each curve, in order (once per curve; default: the sweep's name).")
    var labels: [String] = []

    func run() throws {
        try reportingErrors {
            guard !curves.isEmpty else { throw RDAError("give at least one curve.json") }
            guard labels.isEmpty || labels.count == curves.count else {
                throw RDAError("--label given \(labels.count) times for \(curves.count) curves: give one per curve, in order")
            }
            var data = try curves.map { path -> CurveData in
                var isDir: ObjCBool = false
                let url = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
                    ? URL(fileURLWithPath: path).appendingPathComponent("curve.json") : URL(fileURLWithPath: path)
                return try CurveData.read(from: url)
            }
            for (i, label) in labels.enumerated() { data[i].name = label }
            try RateDistortionChart.make(curves: data, title: title).write(to: URL(fileURLWithPath: out))
            Console.info("wrote \(out) (\(data.count) curve\(data.count == 1 ? "" : "s"))")
        }
    }
}
