import Foundation

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
        var svg = SVGWriter(width: layout.width, height: layout.height, title: chart.title)
        svg.line("<defs><clipPath id=\"plot-area\"><rect x=\"\(Self.f(plot.x))\" y=\"\(Self.f(plot.y))\" width=\"\(Self.f(plot.width))\" height=\"\(Self.f(plot.height))\"/></clipPath></defs>")
        drawGrid(layout, into: &svg)
        drawAxes(layout, into: &svg)
        drawTitles(layout, into: &svg)
        let drawn = drawnSeries(in: layout.frame)
        let obstacles = Self.obstacles(of: drawn)
        drawSeries(drawn, into: &svg)
        // Legend, in the corner that covers the fewest points.
        let legend = Legend(series: chart.series, drawn: drawn)
        var occupied: [PixelRect] = []
        if !legend.entries.isEmpty {
            let box = legend.place(in: plot, avoiding: obstacles)
            legend.draw(at: box, into: &svg)
            occupied.append(box)
        }
        drawPointLabels(drawn, plot: plot, occupied: occupied, obstacles: obstacles, into: &svg)
        return svg.finish()
    }
}
