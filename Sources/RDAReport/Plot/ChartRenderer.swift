import Foundation
import RDAIO

/// Builds the SVG text of a `LineChart`.
struct ChartRenderer {
    let chart: LineChart

    static let fontFamily = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
    static let titleSize = 18.0
    static let subtitleSize = 13.0
    static let axisLabelSize = 14.0
    static let tickSize = 12.0
    static let pointLabelSize = 11.0
    static let legendSize = 12.0
    static let markerRadius = 4.0

    func color(_ index: Int) -> String {
        LineChart.palette[((index % LineChart.palette.count) + LineChart.palette.count) % LineChart.palette.count]
    }

    /// The whole SVG document: layout, then grid, axes, titles, series, legend and point labels,
    /// each drawn by its own file (ChartLayout, ChartAxes, ChartSeries, ChartLegend, ChartPointLabels).
    func render() -> String {
        let layout = self.layout()
        let plot = layout.frame.plot
        let drawn = drawnSeries(in: layout.frame)
        let obstacles = Self.obstacles(of: drawn)
        // Legend: in the corner that covers no data point and the fewest points of the lines;
        // when every corner would cover a data point, below the chart, which grows to hold it.
        let legend = Legend(series: chart.series, drawn: drawn)
        var legendBox: PixelRect?
        var height = layout.height
        if !legend.entries.isEmpty {
            let markers = drawn.flatMap { $0.visibleMarkers.map { ($0.x, $0.y) } }
            let box = legend.place(in: plot, avoiding: obstacles, markers: markers)
            if Legend.covers(box, markers) {
                legendBox = PixelRect(x: plot.x, y: layout.height, width: legend.size.width, height: legend.size.height)
                height += legend.size.height + 8
            } else {
                legendBox = box
            }
        }
        var svg = SVGWriter(width: layout.width, height: height, title: chart.title)
        svg.line("<defs><clipPath id=\"plot-area\"><rect x=\"\(Self.f(plot.x))\" y=\"\(Self.f(plot.y))\" width=\"\(Self.f(plot.width))\" height=\"\(Self.f(plot.height))\"/></clipPath></defs>")
        drawGrid(layout, into: &svg)
        drawAxes(layout, into: &svg)
        drawTitles(layout, into: &svg)
        drawSeries(drawn, into: &svg)
        var occupied: [PixelRect] = []
        if let box = legendBox {
            legend.draw(at: box, into: &svg)
            occupied.append(box)
        }
        drawPointLabels(drawn, plot: plot, occupied: occupied, obstacles: obstacles, into: &svg)
        return svg.finish()
    }
}
