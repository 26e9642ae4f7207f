import RDATestSupport
import Foundation
import Testing
import RDAIO

@Suite struct JSONLinesTests {
    struct Metrics: Encodable {
        var step: Int
        var loss: Double
        var phase: String
    }

    @Test func appendsSortedLines() throws {
        let folder = TempFolder()
        let url = folder.file("runs/r1/metrics.jsonl")
        try JSONLines.append(["step": 1, "loss": 0.5, "name": "train", "rate": Float(0.1)] as [String: Any], to: url)
        try JSONLines.append(["step": 2, "nested": ["b": 2, "a": [1, 2.5]], "ok": true] as [String: Any], to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty)
        #expect(lines[0] == #"{"loss":0.5,"name":"train","rate":0.1,"step":1}"#)
        #expect(lines[1] == #"{"nested":{"a":[1,2.5],"b":2},"ok":true,"step":2}"#)

        let records = try JSONLines.read(from: url)
        #expect(records.count == 2)
        #expect(records[0]["step"] as? Int == 1)
        #expect(records[0]["loss"] as? Double == 0.5)
    }

    @Test func nonFiniteNumbersBecomeNull() throws {
        let line = try JSONLines.line(for: ["a": Double.nan, "b": -Float.infinity, "c": 1e300])
        #expect(line == #"{"a":null,"b":null,"c":1e+300}"#)
    }

    @Test func encodableRecords() throws {
        let folder = TempFolder()
        let url = folder.file("m.jsonl")
        try JSONLines.append(Metrics(step: 3, loss: 0.25, phase: "eval/test"), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == #"{"loss":0.25,"phase":"eval/test","step":3}"# + "\n")
        // JSON cannot hold NaN: null, and what it was under non_finite (issue 10)
        #expect(try JSONLines.line(forEncodable: Metrics(step: 1, loss: .nan, phase: "")) == #"{"loss":null,"non_finite":{"loss":"nan"},"phase":"","step":1}"#)
    }

    @Test func rejectsNonJSONValues() {
        expectRDAIOError(.invalidArgument, ["'when'", "Date"]) { _ = try JSONLines.line(for: ["when": Date()]) }
    }

    @Test func errors() throws {
        let folder = TempFolder()
        let blocker = folder.file("file")
        try Data().write(to: blocker)
        expectRDAIOError(.notWritable, ["is a file"]) { try JSONLines.append(["a": 1], to: blocker.appendingPathComponent("m.jsonl")) }
        expectRDAIOError(.notWritable, ["cannot open"]) { try JSONLines.append(["a": 1], to: folder.url) }
        let bad = folder.file("bad.jsonl")
        try Data("{\"a\":1}\nnot json\n".utf8).write(to: bad)
        expectRDAIOError(.badHeader, ["line 2"]) { _ = try JSONLines.read(from: bad) }
    }
}
