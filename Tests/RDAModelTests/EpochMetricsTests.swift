import RDAReport
import Testing
import Foundation
import RDAIO
@testable import RDAModel

/// The training chart reads metrics.jsonl through the type that writes it (`EpochMetrics`).
@Suite("metrics.jsonl read back through EpochMetrics")
struct EpochMetricsTests {
    @Test func metricsRoundTripIntoTheChartsHistory() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rda-metrics-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let epochs = (1...3).map { e in
            EpochMetrics(epoch: e, steps: 10 * e, learningRate: 0.001 / Double(e), trainRate: 10 + Double(e),
                         trainDistortion: 5 / Double(e), trainObjective: 30 - Double(e), testRate: e > 1 ? 11 : nil,
                         testDistortion: e > 1 ? 3 : nil, testObjective: e > 1 ? 25 : nil, seconds: 1, examplesPerSecond: 100)
        }
        try epochs.map { try JSONLines.line(forEncodable: $0) + "\n" }.joined().write(to: url, atomically: true, encoding: .utf8)
        let h = TrainingChart.History(try EpochMetrics.read(from: url))
        #expect(h.epoch == [1, 2, 3] && h.trainRate == [11, 12, 13] && h.testRate[0] == nil && h.testRate[2] == 11)
        #expect(h.learningRate == epochs.map(\.learningRate) && h.trainObjective == [29, 28, 27])
        // a line that is not an epoch's record is refused naming the line
        try "{\"epoch\": 1}\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: RDAError.self) { try EpochMetrics.read(from: url) }
    }
}
