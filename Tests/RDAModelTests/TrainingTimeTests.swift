import Foundation
import Testing
@testable import RDAModel

/// report.html's training time and throughput, from metrics.jsonl.
@Suite struct TrainingTimeTests {
    @Test func sumsEpochsAndWeighsThroughputByTime() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-time-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("metrics.jsonl")
        // 100 s at 600/s and 50 s at 1800/s: 150,000 examples in 150 s, 1000/s (not the mean 1200)
        try """
        {"epoch":1,"examples_per_sec":600,"seconds":100,"steps":10}
        {"epoch":2,"examples_per_sec":1800,"seconds":50,"steps":10}
        {"epoch":3,"examples_per_sec":null,"seconds":1e400}
        not json

        """.write(to: url, atomically: true, encoding: .utf8)
        let t = try #require(TrainingTime.read(metrics: url))
        #expect(t.epochs == 2 && t.seconds == 150 && t.examples == 150_000)
        #expect(t.examplesPerSecond == 1000)
        #expect(t.sentence.contains("150.0 s (2.5 minutes) for 2 epochs") && t.sentence.contains(": 1000 training examples per second"), "\(t.sentence)")
        #expect(TrainingTime.read(metrics: dir.appendingPathComponent("missing.jsonl")) == nil)
        try "{\"epoch\":1}\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(TrainingTime.read(metrics: url) == nil)
    }
}
