@testable import RDAReport
import Foundation
import Testing
@testable import RDAIO

/// The legend never covers a data point, and sweeps of one source share one bound.
@Suite struct ChartLegendPlacementTests {
    /// The legend's box and every filled or hollow marker centre, read back from the SVG text.
    static func legendAndMarkers(_ svg: String) throws -> (box: PixelRect, markers: [(Double, Double)], height: Double) {
        func number(_ name: String, in text: Substring) -> Double? {
            guard let r = text.range(of: "\(name)=\"") else { return nil }
            return Double(text[r.upperBound...].prefix { $0 != "\"" })
        }
        let legendStart = try #require(svg.range(of: "<g class=\"legend\""))
        let rect = svg[legendStart.upperBound...]
        let box = PixelRect(x: try #require(number("x", in: rect)), y: try #require(number("y", in: rect)),
                            width: try #require(number("width", in: rect)), height: try #require(number("height", in: rect)))
        let seriesStart = try #require(svg.range(of: "<g class=\"series\""))
        let seriesEnd = try #require(svg[seriesStart.upperBound...].range(of: "</g>"))
        let markers = svg[seriesStart.upperBound..<seriesEnd.lowerBound].split(separator: "\n")
            .filter { $0.contains("<circle") }
            .compactMap { line -> (Double, Double)? in
                guard let x = number("cx", in: line), let y = number("cy", in: line) else { return nil }
                return (x, y)
            }
        let height = try #require(number("height", in: svg[...]))
        return (box, markers, height)
    }

    @Test func aFullPlotPutsTheLegendBelowItAndTheChartGrows() throws {
        // markers in every corner: no corner is free
        var points: [(x: Double, y: Double)] = []
        for i in 0...20 { for j in 0...20 { points.append((Double(i), Double(j))) } }
        let chart = LineChart(title: "full", xLabel: "x", yLabel: "y",
                              series: [LineChart.Series(name: "grid of points", points: points, style: .markers(hollow: false), colorIndex: 0)])
        let svg = chart.svg()
        let (box, markers, height) = try Self.legendAndMarkers(svg)
        #expect(markers.count == 441)
        #expect(!markers.contains { box.insetBy(-ChartRenderer.markerRadius).contains($0.0, $0.1) }, "legend at \(box)")
        #expect(height > chart.height && box.maxY <= height, "the picture grows to hold the legend: \(height), \(box)")
    }

    @Test func aCornerWithoutPointsIsUsedWhenThereIsOne() throws {
        // a rising line: the top-left and bottom-right corners are free
        let points = (0...30).map { (x: Double($0), y: Double($0)) }
        let chart = LineChart(title: "diagonal", xLabel: "x", yLabel: "y",
                              series: [LineChart.Series(name: "points", points: points, style: .linePoints, colorIndex: 0)])
        let (box, markers, height) = try Self.legendAndMarkers(chart.svg())
        #expect(!markers.isEmpty)
        #expect(!markers.contains { box.insetBy(-ChartRenderer.markerRadius).contains($0.0, $0.1) })
        #expect(height == chart.height, "inside the plot, the picture keeps its size")
    }

    @Test func sweepsOfOneSourceShareOneBoundDrawnOnce() throws {
        let a = PlotTests.sampleCurve(name: "conv")
        let b = PlotTests.sampleCurve(name: "mlp", slack: 1.4)
        let chart = RateDistortionChart.make(curves: [a, b])
        // conv line, the bound's line and markers (once), mlp line
        #expect(chart.series.count == 4, "\(chart.series.map(\.name))")
        #expect(chart.series.filter { $0.name == "conv, mlp: gaussian-covariance bound" }.count == 2)
        // another bound (other points) is drawn for its own curve
        var c = PlotTests.sampleCurve(name: "other")
        c.bound?.curve?.rateNats[0] += 1
        #expect(RateDistortionChart.make(curves: [a, c]).series.count == 6)
        // the legend names the shared bound once
        let text = try #require(XMLCollector.parse(chart.svg())).allText
        #expect(text.filter { $0 == "conv, mlp: gaussian-covariance bound" }.count == 1)
    }
}
