import RDAReport
import ArgumentParser
import Foundation
import RDAIO
import RDAModel

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.html (charts, pictures, tables) for an existing run folder or sweep folder.",
        discussion: """
        A run folder (run.json, eval.json) gets training.svg, rate-per-dim.svg, its pictures (image data, \
        when the model and its data load) and report.html. A sweep folder (lambda-*/ runs and curve.json) \
        gets a page per run and its own report.html.
        """)

    @Argument(help: "A run folder or a sweep folder.")
    var dir: String

    @OptionGroup var scaleOption: ScaleOption

    @Option(help: "Seed of the pictures' noise and examples.")
    var seed: UInt64 = 0

    func run() throws {
        try reportingErrors {
            let scale = try scaleOption.validated()
            let url = URL(fileURLWithPath: dir)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
                throw RDAError("\(dir): no such folder; give a run folder (from rda train) or a sweep folder (from rda sweep)")
            }
            if FileManager.default.fileExists(atPath: url.appendingPathComponent(TrainingRun.runFile).path) {
                try RunReport.rebuild(dir: url, scale: scale, seed: seed)
                Console.info("wrote \(url.appendingPathComponent(RunReport.file).path)")
                return
            }
            let curveURL = url.appendingPathComponent("curve.json")
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { $0.hasPrefix("lambda-") }
            guard !names.isEmpty else {
                throw RDAError("\(dir) is neither a run folder (no run.json) nor a sweep folder (no lambda-*/ runs)")
            }
            guard FileManager.default.fileExists(atPath: curveURL.path) else {
                throw RDAError("\(dir) has no curve.json: finish the sweep (or run rda sweep --merge \(dir)) first")
            }
            let entries = try Sweep.collect([url])
            for e in entries { try RunReport.rebuild(dir: e.folder, scale: scale, seed: seed) }
            try SweepReport.write(dir: url, curve: try CurveData.read(from: curveURL), entries: entries)
            Console.info("wrote \(url.appendingPathComponent(RunReport.file).path) and \(entries.count) run pages")
        }
    }
}
