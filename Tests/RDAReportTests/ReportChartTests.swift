@testable import RDAReport
import Testing
import Foundation
@testable import RDAIO

@Suite("Bar and training charts, labelled grids, HTML pages")
struct ReportChartTests {
    @Test func barHeightsAreProportionalToValues() throws {
        var chart = BarChart(title: "Rate <per> dim", xLabel: "dimension", yLabel: "nats", secondaryYLabel: "bits",
                             categories: ["3", "0", "1", "2"])
        chart.series = [.init(name: "model", values: [4, 2, 1, 0]), .init(name: "bound", values: [3, 3, 0.5, 0], hollow: true)]
        let svg = chart.svg()
        let xml = try #require(XMLCollector.parse(svg))
        let bars = xml.elements.filter { $0.name == "rect" && $0.attributes["class"] == "bar" }
        #expect(bars.count == 8)
        func heights(_ series: String) -> [Double] {
            bars.filter { $0.attributes["data-series"] == series }.map { Double($0.attributes["height"]!)! }
        }
        let model = heights("0"), bound = heights("1")
        // Same axis for both series: height / value is one constant (pixels per nat); 0 draws no height.
        let perNat = model[0] / 4
        #expect(perNat > 10)
        for (h, v) in zip(model + bound, [4.0, 2, 1, 0, 3, 3, 0.5, 0]) {
            #expect(Swift.abs(h - v * perNat) < 0.02, "bar of \(v) is \(h) px, expected \(v * perNat)")
        }
        // Bars of one group sit side by side, groups in category order.
        let xs = bars.map { Double($0.attributes["x"]!)! }
        #expect(xs[0] < xs[1] && xs[1] < xs[2] && xs[0] < xs[4] && xs[4] < xs[1])
        #expect(svg.contains("Rate &lt;per&gt; dim") && svg.contains("stroke-dasharray"))
        // values labelled (8 bars <= 16)
        #expect(xml.elements.contains { $0.name == "text" && $0.text == "0.5" })
    }

    @Test func trainingChartHasFourPanelsWithTheirOwnClipPaths() throws {
        var h = TrainingChart.History()
        for e in 1...3 {
            h.epoch.append(Double(e)); h.learningRate.append(0.001 / Double(e)); h.trainRate.append(10.0 + Double(e))
            h.trainDistortion.append(5.0 / Double(e)); h.trainObjective.append(30.0 - Double(e))
            h.testRate.append(e > 1 ? 11 : nil); h.testDistortion.append(e > 1 ? 3 : nil); h.testObjective.append(e > 1 ? 25 : nil)
        }
        let chart = TrainingChart(title: "run", history: h)
        #expect(chart.panels().map(\.title).count == 4)
        #expect(chart.panels()[0].secondaryYLabel != nil && chart.panels()[1].secondaryYLabel == nil)
        // The last epoch lies inside the x range, not on its edge (its markers would be cut).
        #expect(chart.panels().allSatisfy { ($0.xRange?.upperBound ?? 0) > 3 && $0.xRange?.lowerBound == 0 })
        let svg = chart.svg()
        let xml = try #require(XMLCollector.parse(svg))
        #expect(xml.elements.filter { $0.name == "svg" }.count == 5)
        let ids = xml.elements.compactMap { $0.name == "clipPath" ? $0.attributes["id"] : nil }
        #expect(ids.count == 4 && Set(ids).count == 4, "clip ids \(ids)")
        #expect(!svg.contains("url(#plot-area)"))
        #expect(!svg.dropFirst(10).contains("<?xml"))
    }

    @Test func labelledGridScalesAndSeparatesGroups() {
        // Two rows of three 2x1 images, groups [1, 2], scale 3, padding 2, group gap 10.
        let white: [Float] = [1, 1], split: [Float] = [0, 1]
        let g = LabelledGrid(rows: [[white, white, white], [split, split]], imageWidth: 2, imageHeight: 1, scale: 3,
                             groups: [1, 2], padding: 2, groupGap: 10, background: 100)
        // width: 2 + 3 * (6 + 2) + 1 * (10 - 2) = 34; height: 2 + 2 * (3 + 2) = 12
        #expect(g.width == 34 && g.height == 12 && g.rowTops == [2, 7] && g.rowHeight == 3)
        func px(_ x: Int, _ y: Int) -> UInt8 { g.pixels[y * g.width + x] }
        // Image 0 at x 2..<8, image 1 after the group gap at 18..<24, image 2 at 26..<32.
        #expect((2..<8).allSatisfy { px($0, 2) == 255 } && (8..<18).allSatisfy { px($0, 2) == 100 })
        #expect((18..<24).allSatisfy { px($0, 4) == 255 } && (24..<26).allSatisfy { px($0, 4) == 100 })
        #expect((26..<32).allSatisfy { px($0, 3) == 255 } && px(32, 3) == 100)
        // Each source pixel becomes a 3x3 block: [0, 1] -> black x 0..<3 (from 2), white 3..<6.
        #expect((7..<10).allSatisfy { y in (2..<5).allSatisfy { px($0, y) == 0 } && (5..<8).allSatisfy { px($0, y) == 255 } })
        // The second row is shorter: its third place is background.
        #expect((26..<32).allSatisfy { px($0, 8) == 100 })
    }

    @Test func hollowMarkersAreDrawnUnderFilledOnes() throws {
        var chart = LineChart(title: "t", xLabel: "x", yLabel: "y")
        chart.series = [.init(name: "model", points: [(1, 1), (2, 2)], style: .linePoints),
                        .init(name: "bound", points: [(1, 1.01), (2, 2)], style: .markers(hollow: true))]
        let svg = chart.svg()
        let hollow = try #require(svg.range(of: "fill=\"#ffffff\" stroke=\"\(LineChart.palette[1])\""))
        let filled = try #require(svg.range(of: "fill=\"\(LineChart.palette[0])\" stroke=\"#ffffff\""))
        #expect(hollow.lowerBound < filled.lowerBound, "the measured markers must come later (on top)")
    }

    @Test func subtitlesOfThreeLinesAreKeptWhole() throws {
        let words = (1...30).map { "word\($0)" }
        let chart = LineChart(title: "t", subtitle: words.joined(separator: " "), xLabel: "x", yLabel: "y", width: 600)
        let xml = try #require(XMLCollector.parse(chart.svg()))
        let lines = xml.elements.filter { $0.attributes["class"] == "subtitle" }.map(\.text)
        #expect(lines.count >= 3 && lines.joined(separator: " ") == words.joined(separator: " "), "\(lines)")
        #expect(lines.allSatisfy { ChartRenderer.textWidth($0, size: ChartRenderer.subtitleSize) <= 600 - 60 })
    }

    @Test func htmlPageEscapesAndLinks() {
        var page = HTMLPage(title: "a <b> & c")
        page.table(header: ["k", "v"], rows: [["x<y", "1.5"], ["run", "page"]], links: [["", ""], ["", "lambda-1/report.html"]])
        page.labelledGrid("g.png", width: 40, height: 30, rowTops: [2, 16], rowHeight: 12, rowLabels: ["first", "se\"cond"],
                          caption: "cap", alt: "g")
        let html = page.html()
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<title>a &lt;b&gt; &amp; c</title>"))
        #expect(html.contains("<td>x&lt;y</td>") && html.contains("<td class=\"num\">1.5</td>"))
        #expect(html.contains("<a href=\"lambda-1/report.html\">page</a>"))
        #expect(html.contains("top: 16px; height: 12px\">se&quot;cond</div>"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
    }
}
