import Foundation
import RDAModel

/// What a coding command reports: one line for people, or with `--json` one object with sorted keys.
protocol CommandSummary: Encodable {
    /// The human-readable line.
    var line: String { get }
}

extension CommandSummary {
    /// Prints the summary: the JSON object when `json`, else `line`.
    func print(json: Bool) throws {
        if json { Swift.print(String(decoding: try JSONEncoder.sorted.encode(self), as: UTF8.self)) } else { Swift.print(line) }
    }
}

/// JSON lines on standard output, keys sorted, flushed after each line (the `bench` commands'
/// windows and summaries). A value that does not encode is left out.
struct JSONLineOutput {
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    func emit<T: Encodable>(_ value: T) {
        guard let data = try? encoder.encode(value) else { return }
        Swift.print(String(decoding: data, as: UTF8.self))
        fflush(stdout)
    }
}
