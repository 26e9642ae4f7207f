import Foundation
import RDAIO

/// A grouped bar chart written as a standalone SVG file: one group of bars per category, one bar
/// per series in each group, bars rising from 0.
///
/// It shares the line chart's look: nice ticks (`ChartRenderer.axisTicks`), an optional
/// right-hand axis in other units (bits for nats), a legend in the top right corner, and the
/// same fonts and escaping. Category labels under the axis are thinned out so that they never
/// touch; with at most `valueLabelLimit` bars in all, each bar carries its value.
///
///     var chart = BarChart(title: "Rate per latent dimension", xLabel: "dimension", yLabel: "rate (nats)")
///     chart.categories = ["3", "0", "1"]
///     chart.series = [.init(name: "model", values: [2.1, 0.9, 0.0])]
///     try chart.write(to: URL(fileURLWithPath: "rate.svg"))
public struct BarChart: Sendable {
    /// One series: a value per category (missing or non-finite values draw no bar).
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        /// Index into `LineChart.palette`; nil: the series' position.
        public var colorIndex: Int?
        /// An outlined bar (e.g. a bound) instead of a filled one.
        public var hollow: Bool

        public init(name: String, values: [Double], colorIndex: Int? = nil, hollow: Bool = false) {
            self.name = name
            self.values = values
            self.colorIndex = colorIndex
            self.hollow = hollow
        }
    }

    public var title: String
    public var subtitle: String?
    public var xLabel: String
    public var yLabel: String
    public var secondaryYLabel: String?
    public var secondaryYScale: Double
    /// The label of each group of bars, left to right.
    public var categories: [String]
    public var series: [Series]
    /// Bars in all up to which each bar is labelled with its value.
    public var valueLabelLimit: Int
    public var width: Double
    public var height: Double

    public init(title: String, subtitle: String? = nil, xLabel: String, yLabel: String,
                secondaryYLabel: String? = nil, secondaryYScale: Double = 1 / M_LN2,
                categories: [String] = [], series: [Series] = [], valueLabelLimit: Int = 16,
                width: Double = 900, height: Double = 480) {
        self.title = title
        self.subtitle = subtitle
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.secondaryYLabel = secondaryYLabel
        self.secondaryYScale = secondaryYScale
        self.categories = categories
        self.series = series
        self.valueLabelLimit = valueLabelLimit
        self.width = width
        self.height = height
    }

    /// Writes `svg()` to `url` atomically (missing folders are created).
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(svg().utf8), to: url)
    }

    /// The chart as a complete SVG document.
    public func svg() -> String {
        typealias R = ChartRenderer
        let f = R.f
        let width = Swift.max(200, self.width), height = Swift.max(150, self.height)
        let count = Swift.max(categories.count, series.map(\.values.count).max() ?? 0)
        let values = series.flatMap(\.values).filter(\.isFinite)
        let hi = Swift.max(values.max() ?? 1, 0), lo = Swift.min(values.min() ?? 0, 0)
        let yRange = R.sanitize(lo...(hi + 0.08 * Swift.max(hi - lo, 1e-12)))

        let subtitleLines = R.wrap(subtitle ?? "", size: R.subtitleSize, width: width - 60, maxLines: 4)
        let subtitleLineHeight = R.subtitleSize + 4
        let legendHeight = series.isEmpty ? 0.0 : 22.0
        let top = 16 + R.titleSize + (subtitleLines.isEmpty ? 0 : 4 + Double(subtitleLines.count) * subtitleLineHeight) + 14 + legendHeight
        let bottom = 8 + R.tickSize + 14 + R.axisLabelSize + 14
        let plotHeight = Swift.max(40, height - top - bottom)
        let yCount = Swift.min(10, Swift.max(3, Int(plotHeight / 55)))
        let (_, yTicks, yLabels, yWidth) = R.axisTicks(yRange.lowerBound, yRange.upperBound, maxCount: yCount)
        let left = 14 + R.axisLabelSize + 12 + yWidth + 10
        let scale = secondaryYScale
        let hasSecondary = secondaryYLabel != nil && scale.isFinite && scale > 0
        var right = 28.0
        var secondaryTicks: [Double] = [], secondaryLabels: [String] = []
        if hasSecondary {
            let w: Double
            (_, secondaryTicks, secondaryLabels, w) = R.axisTicks(yRange.lowerBound * scale, yRange.upperBound * scale, maxCount: yCount)
            right = 10 + w + 12 + R.axisLabelSize + 14
        }
        let plot = PixelRect(x: left, y: top, width: Swift.max(40, width - left - right), height: plotHeight)
        func py(_ v: Double) -> Double {
            plot.maxY - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * plot.height
        }
        let slot = plot.width / Double(Swift.max(count, 1))
        let groupWidth = slot * 0.8
        let barWidth = groupWidth / Double(Swift.max(series.count, 1))

        var svg = SVGWriter(width: width, height: height, title: title)
        svg.line("<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">")
        for t in yTicks { svg.line("<line x1=\"\(f(plot.x))\" y1=\"\(f(py(t)))\" x2=\"\(f(plot.maxX))\" y2=\"\(f(py(t)))\"/>") }
        svg.line("</g>")

        // Bars.
        var bars: [(x: Double, top: Double, value: Double, color: String)] = []
        svg.line("<g class=\"bars\">")
        for (si, s) in series.enumerated() {
            let color = LineChart.palette[(s.colorIndex ?? si) % LineChart.palette.count]
            for (i, v) in s.values.enumerated() where i < count && v.isFinite {
                let x = plot.x + Double(i) * slot + (slot - groupWidth) / 2 + Double(si) * barWidth
                let y0 = py(0), y1 = py(v)
                let (yTop, h) = (Swift.min(y0, y1), Swift.max(Swift.abs(y1 - y0), v == 0 ? 0 : 0.8))
                let paint = s.hollow
                    ? "fill=\"#ffffff\" fill-opacity=\"0.6\" stroke=\"\(color)\" stroke-width=\"1.6\" stroke-dasharray=\"4 2\""
                    : "fill=\"\(color)\" stroke=\"none\""
                svg.line("<rect class=\"bar\" data-series=\"\(si)\" x=\"\(f(x + 0.5))\" y=\"\(f(yTop))\" width=\"\(f(Swift.max(barWidth - 1, 0.5)))\" height=\"\(f(h))\" \(paint)/>")
                bars.append((x + barWidth / 2, yTop, v, color))
            }
        }
        svg.line("</g>")
        if bars.count <= valueLabelLimit && barWidth >= 18 {
            svg.line("<g class=\"value-labels\" font-size=\"\(f(R.pointLabelSize))\" text-anchor=\"middle\">")
            for b in bars {
                svg.line("<text x=\"\(f(b.x))\" y=\"\(f(b.top - 4))\" fill=\"\(b.color)\">\(R.escape(NiceTicks.compact(b.value)))</text>")
            }
            svg.line("</g>")
        }

        // Axes, ticks, category labels (every n-th, so that they do not touch).
        svg.line("<g class=\"axes\" fill=\"#222222\" font-size=\"\(f(R.tickSize))\">")
        svg.line("<rect x=\"\(f(plot.x))\" y=\"\(f(plot.y))\" width=\"\(f(plot.width))\" height=\"\(f(plot.height))\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\"/>")
        for (t, label) in zip(yTicks, yLabels) {
            svg.line("<line x1=\"\(f(plot.x - 5))\" y1=\"\(f(py(t)))\" x2=\"\(f(plot.x))\" y2=\"\(f(py(t)))\" stroke=\"#444444\"/>")
            svg.line("<text class=\"tick y\" x=\"\(f(plot.x - 8))\" y=\"\(f(py(t) + 0.36 * R.tickSize))\" text-anchor=\"end\">\(R.escape(label))</text>")
        }
        if hasSecondary {
            for (t, label) in zip(secondaryTicks, secondaryLabels) {
                let y = py(t / scale)
                svg.line("<line x1=\"\(f(plot.maxX))\" y1=\"\(f(y))\" x2=\"\(f(plot.maxX + 5))\" y2=\"\(f(y))\" stroke=\"#444444\"/>")
                svg.line("<text class=\"tick y2\" x=\"\(f(plot.maxX + 8))\" y=\"\(f(y + 0.36 * R.tickSize))\" text-anchor=\"start\">\(R.escape(label))</text>")
            }
        }
        let widest = categories.map { R.textWidth($0, size: R.tickSize) }.max() ?? 0
        let every = Swift.max(1, Int(((widest + 8) / Swift.max(slot, 1)).rounded(.up)))
        for (i, label) in categories.enumerated() where i % every == 0 {
            let x = plot.x + (Double(i) + 0.5) * slot
            svg.line("<text class=\"tick x\" x=\"\(f(x))\" y=\"\(f(plot.maxY + 8 + R.tickSize))\" text-anchor=\"middle\">\(R.escape(label))</text>")
        }
        svg.line("</g>")

        // Titles, axis labels, legend (one row above the plot).
        let titleSize = R.fittedSize(title, size: R.titleSize, available: width - 20)
        svg.line("<text class=\"title\" x=\"\(f(width / 2))\" y=\"\(f(16 + R.titleSize))\" text-anchor=\"middle\" font-size=\"\(f(titleSize))\" font-weight=\"bold\" fill=\"#111111\">\(R.escape(title))</text>")
        for (i, line) in subtitleLines.enumerated() {
            let y = 16 + R.titleSize + 4 + Double(i + 1) * subtitleLineHeight
            svg.line("<text class=\"subtitle\" x=\"\(f(width / 2))\" y=\"\(f(y))\" text-anchor=\"middle\" font-size=\"\(f(R.subtitleSize))\" fill=\"#555555\">\(R.escape(line))</text>")
        }
        let xSize = R.fittedSize(xLabel, size: R.axisLabelSize, available: plot.width)
        svg.line("<text class=\"axis-label x\" x=\"\(f(plot.x + plot.width / 2))\" y=\"\(f(plot.maxY + 8 + R.tickSize + 14 + R.axisLabelSize))\" text-anchor=\"middle\" font-size=\"\(f(xSize))\" fill=\"#111111\">\(R.escape(xLabel))</text>")
        let ySize = R.fittedSize(yLabel, size: R.axisLabelSize, available: plot.height)
        svg.line("<text class=\"axis-label y\" transform=\"translate(\(f(14 + R.axisLabelSize)),\(f(plot.y + plot.height / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"\(f(ySize))\" fill=\"#111111\">\(R.escape(yLabel))</text>")
        if hasSecondary, let label = secondaryYLabel {
            let size = R.fittedSize(label, size: R.axisLabelSize, available: plot.height)
            svg.line("<text class=\"axis-label y2\" transform=\"translate(\(f(width - 14 - R.axisLabelSize)),\(f(plot.y + plot.height / 2))) rotate(90)\" text-anchor=\"middle\" font-size=\"\(f(size))\" fill=\"#111111\">\(R.escape(label))</text>")
        }
        if !series.isEmpty {
            svg.line("<g class=\"legend\" font-size=\"\(f(R.legendSize))\">")
            var x = plot.x
            let y = plot.y - legendHeight + 4
            for (si, s) in series.enumerated() {
                let color = LineChart.palette[(s.colorIndex ?? si) % LineChart.palette.count]
                let paint = s.hollow ? "fill=\"#ffffff\" stroke=\"\(color)\" stroke-width=\"1.6\" stroke-dasharray=\"4 2\"" : "fill=\"\(color)\""
                svg.line("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"18\" height=\"12\" \(paint)/>")
                svg.line("<text x=\"\(f(x + 24))\" y=\"\(f(y + 10.5))\" fill=\"#111111\">\(R.escape(s.name))</text>")
                x += 24 + R.textWidth(s.name, size: R.legendSize) + 22
            }
            svg.line("</g>")
        }
        return svg.finish()
    }
}
