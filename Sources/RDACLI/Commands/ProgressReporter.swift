import Foundation
import RDAIO
import RDAModel

/// Shows training progress on standard error: a live bar on a terminal, one plain line per
/// epoch otherwise (logs, CI).
final class ProgressReporter {
    let live = Console.isTerminal
    var lastDraw = Date.distantPast
    var epochs = 0
    /// When training began (the first step of epoch 1), for the ETA.
    var started: Date?

    func handle(_ event: TrainingRun.Event) {
        switch event {
        case let .loaded(train, test, config, options, parameters):
            epochs = options.epochs
            started = nil
            Console.info("data \(config.data): \(train) train / \(test) test examples of shape \(config.exampleShape)")
            Console.info("model \(config.arch.rawValue) K=\(config.latentDim) widths=\(config.widths)\(config.resNetWords) channel=\(config.channel.name) (\(config.channelSettings.summary)) \(config.distortion.rawValue) lambda=\(formatNumber(config.lambda)): \(parameters) parameters")
            Console.info("training \(options.epochs) epochs, batch \(options.batchSize), Adam lr \(options.learningRate) (\(options.schedule.rawValue)), seed \(options.seed)")
        case let .resumed(epoch, step):
            Console.info(epoch > epochs ? "resuming: training had finished; evaluating" : "resuming at epoch \(epoch), step \(step)")
        case .training(.step(let epoch, let step, let total, let objective)):
            if started == nil { started = Date() }
            guard live, Date().timeIntervalSince(lastDraw) > 0.1 || step == total else { return }
            lastDraw = Date()
            let width = 30, filled = width * step / max(total, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let eta = Self.eta(elapsed: Date().timeIntervalSince(started ?? Date()), done: (epoch - 1) * total + step, of: epochs * total)
            FileHandle.standardError.write(Data(String(format: "\repoch %d/%d [%@] %d/%d  objective %.3f  ETA %@ ", epoch, epochs, bar, step, total, objective, eta).utf8))
        case .training(.epochEnd(let m)):
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            var line = String(format: "epoch %d/%d  train: rate %.3f  dist %.4f  obj %.3f", m.epoch, epochs, m.trainRate, m.trainDistortion, m.trainObjective)
            if let r = m.testRate, let d = m.testDistortion, let o = m.testObjective {
                line += String(format: "  | test: rate %.3f  dist %.4f  obj %.3f", r, d, o)
            }
            line += String(format: "  (%.1fs, %.0f ex/s", m.seconds, m.examplesPerSecond)
            if m.epoch < epochs, let started {
                line += ", ETA " + Self.eta(elapsed: Date().timeIntervalSince(started), done: m.epoch, of: epochs)
            }
            line += ")"
            Console.info(line)
        case .evaluated:
            break
        }
    }

    /// The time left at the rate so far, "m:ss" (or "h:mm:ss"); "?" before any progress.
    static func eta(elapsed: Double, done: Int, of total: Int) -> String {
        guard done > 0, elapsed.isFinite, elapsed >= 0 else { return "?" }
        let left = Int((elapsed / Double(done) * Double(max(total - done, 0))).rounded())
        return left >= 3600 ? String(format: "%d:%02d:%02d", left / 3600, left / 60 % 60, left % 60)
                            : String(format: "%d:%02d", left / 60, left % 60)
    }
}
