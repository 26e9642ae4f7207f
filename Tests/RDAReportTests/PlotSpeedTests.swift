@testable import RDAReport
import Foundation
import Testing
@testable import RDAIO

/// Issue 10 class 6: a chart's cost grows linearly with its text and points.
@Suite("Charts: linear time in subtitle length and points")
struct PlotSpeedTests {
    @Test func hugeSubtitlesWrapInLinearTime() {
        let oneWord = String(repeating: "x", count: 20_000)
        let manyWords = Array(repeating: "word", count: 20_000).joined(separator: " ")
        for text in [oneWord, manyWords, "short " + oneWord, oneWord + " tail"] {
            let start = Date()
            let lines = ChartRenderer.wrap(text, size: 13, width: 400, maxLines: 2)
            #expect(Date().timeIntervalSince(start) < 0.5, "wrapping \(text.count) characters")
            #expect(!lines.isEmpty && lines.count <= 2 && lines.contains { $0.hasSuffix("…") })
            #expect(lines.allSatisfy { ChartRenderer.textWidth($0, size: 13) <= 400 }, "\(lines.map(\.count))")
        }
        // a line that fits is kept whole; one too long for two lines keeps its first words
        #expect(ChartRenderer.wrap("a b c", size: 13, width: 400, maxLines: 2) == ["a b c"])
        #expect(ChartRenderer.wrap("alpha beta gamma delta", size: 10, width: 70, maxLines: 2) == ["alpha beta", "gamma delta"])
        let two = ChartRenderer.wrap("alpha beta gamma delta epsilon zeta", size: 10, width: 70, maxLines: 2)
        #expect(two.count == 2 && two[0] == "alpha beta" && two[1].hasPrefix("gamma") && two[1].hasSuffix("…"), "\(two)")
    }

    @Test func labelledPointsCostLinearTime() throws {
        func render(_ n: Int) -> Double {
            let points = (0..<n).map { (x: Double($0), y: sin(Double($0) / 10)) }
            let chart = LineChart(title: "t", subtitle: String(repeating: "s", count: 5_000), xLabel: "x", yLabel: "y",
                                  series: [.init(name: "a", points: points, labels: points.map { String(format: "%.1f", $0.x) })])
            let start = Date()
            _ = chart.svg()
            return Date().timeIntervalSince(start)
        }
        _ = render(500)
        let small = render(2_000), large = render(8_000)
        // 4x the points: far less than the 16x of a quadratic cost
        #expect(large < 8 * small + 0.05, "2,000 points \(small) s, 8,000 points \(large) s")
        #expect(large < 5, "8,000 labelled points took \(large) s")
    }
}
