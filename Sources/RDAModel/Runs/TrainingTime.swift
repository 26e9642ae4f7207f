import Foundation

/// How long a run trained and how fast, from its `metrics.jsonl` (one line per epoch with
/// `seconds` and `examples_per_sec`): the figures `report.html` states beside its training curves.
struct TrainingTime: Equatable {
    /// Epochs recorded.
    var epochs: Int
    /// Sum of the epochs' `seconds` (training steps and the epoch's test figures).
    var seconds: Double
    /// Training examples processed: sum over epochs of `examples_per_sec * seconds`.
    var examples: Double

    /// Training examples per second over the whole run.
    var examplesPerSecond: Double { examples / Swift.max(seconds, 1e-9) }

    /// The figures of the metrics file at `url`, or nil when it is missing, unreadable, or has no
    /// epoch with finite, non-negative `seconds` and `examples_per_sec`.
    static func read(metrics url: URL) -> TrainingTime? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var t = TrainingTime(epochs: 0, seconds: 0, examples: 0)
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let s = (object["seconds"] as? NSNumber)?.doubleValue, let rate = (object["examples_per_sec"] as? NSNumber)?.doubleValue,
                  s.isFinite, rate.isFinite, s >= 0, rate >= 0 else { continue }
            t.epochs += 1; t.seconds += s; t.examples += s * rate
        }
        return t.epochs > 0 ? t : nil
    }

    /// One sentence for the report page.
    var sentence: String {
        let minutes = seconds >= 120 ? String(format: " (%.1f minutes)", seconds / 60) : ""
        return String(format: "Training took %.1f s%@ for %d epoch%@ (the sum of the epochs' times in metrics.jsonl): %.0f training examples per second.",
                      seconds, minutes, epochs, epochs == 1 ? "" : "s", examplesPerSecond)
    }
}
