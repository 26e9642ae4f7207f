import Foundation

/// A line chart written as a standalone SVG file (no dependencies beyond Foundation).
///
/// Series are drawn in order over a framed plot area with grid lines at "nice" ticks (1, 2 or 5
/// x 10^k), an optional right-hand axis that shows the left-hand values in other units (e.g. bits
/// for nats), an optional text label next to each point (placed where it overlaps nothing, or
/// left out when there is no such place), and a legend box in the corner of the plot that covers
/// the fewest points. All text is XML-escaped.
///
///     var chart = LineChart(title: "Loss", xLabel: "epoch", yLabel: "nats")
///     chart.series.append(.init(name: "train", points: [(1, 3.2), (2, 2.9)]))
///     try chart.write(to: URL(fileURLWithPath: "loss.svg"))
public struct LineChart: Sendable {
    /// How a series is drawn.
    public enum Style: Sendable, Equatable {
        /// A solid line through filled markers.
        case linePoints
        /// A line without markers, solid or dashed.
        case line(dashed: Bool)
        /// Markers without a line, filled or hollow.
        case markers(hollow: Bool)
    }

    /// One data series.
    public struct Series: Sendable {
        /// The legend text. Series with equal names and colours share one legend entry whose
        /// sample overlays their styles (e.g. a dashed line with hollow markers).
        public var name: String
        /// The points, joined in this order; non-finite coordinates break the line.
        public var points: [(x: Double, y: Double)]
        /// Optional text next to each point (same count as `points`; empty strings are skipped).
        public var labels: [String]?
        public var style: Style
        /// Index into `LineChart.palette` (and the marker shapes); nil: the series' position.
        public var colorIndex: Int?
        public var showsInLegend: Bool
        /// Whether the automatic axis ranges must include this series' points. A long
        /// reference curve can opt out: it is then clipped to the range of the other series.
        public var affectsRange: Bool

        public init(name: String, points: [(x: Double, y: Double)], labels: [String]? = nil,
                    style: Style = .linePoints, colorIndex: Int? = nil, showsInLegend: Bool = true,
                    affectsRange: Bool = true) {
            self.name = name
            self.points = points
            self.labels = labels
            self.style = style
            self.colorIndex = colorIndex
            self.showsInLegend = showsInLegend
            self.affectsRange = affectsRange
        }
    }

    public var title: String
    /// A smaller line under the title (e.g. what the data are).
    public var subtitle: String?
    public var xLabel: String
    public var yLabel: String
    /// When set, a right-hand axis shows y * `secondaryYScale` with its own nice ticks, e.g.
    /// "rate (bits = nats / ln 2)" with scale 1 / ln 2.
    public var secondaryYLabel: String?
    public var secondaryYScale: Double
    public var series: [Series]
    /// Fixed axis ranges; nil: from the data (of series with `affectsRange`) plus `padding`.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Whether automatic ranges reach 0 (the range then stops at 0 without padding beyond it).
    public var xIncludesZero: Bool
    public var yIncludesZero: Bool
    /// Fraction of the data span added on each side of an automatic range.
    public var padding: Double
    /// Size of the picture in pixels.
    public var width: Double
    public var height: Double

    public init(title: String, subtitle: String? = nil, xLabel: String, yLabel: String,
                secondaryYLabel: String? = nil, secondaryYScale: Double = 1 / M_LN2,
                series: [Series] = [], xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                xIncludesZero: Bool = false, yIncludesZero: Bool = false, padding: Double = 0.05,
                width: Double = 900, height: Double = 600) {
        self.title = title
        self.subtitle = subtitle
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.secondaryYLabel = secondaryYLabel
        self.secondaryYScale = secondaryYScale
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.xIncludesZero = xIncludesZero
        self.yIncludesZero = yIncludesZero
        self.padding = padding
        self.width = width
        self.height = height
    }

    /// Series colours (Okabe-Ito, without the yellow that vanishes on white), used in turn.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F7F7F", "#000000"]

    /// The chart as a complete SVG document.
    public func svg() -> String {
        ChartRenderer(chart: self).render()
    }

    /// Writes `svg()` to `url` atomically (missing folders are created).
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(svg().utf8), to: url)
    }

    /// The automatic range of `values`: their extent (and 0 when `includeZero`), widened by
    /// `padding` x span on each side except beyond a 0 that bounds the data. A single value gets
    /// a range around it; no values give 0...1.
    public static func automaticRange(_ values: [Double], includeZero: Bool, padding: Double) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else { return 0...1 }
        if includeZero { lo = Swift.min(lo, 0); hi = Swift.max(hi, 0) }
        if hi == lo {
            let half = lo == 0 ? 1 : Swift.abs(lo) * 0.1
            return includeZero && lo == 0 ? 0...(2 * half) : (lo - half)...(hi + half)
        }
        let span = hi - lo
        let newLo = includeZero && lo == 0 ? 0 : lo - padding * span
        let newHi = includeZero && hi == 0 ? 0 : hi + padding * span
        return newLo...newHi
    }
}

// MARK: - Rendering

/// An axis-aligned rectangle in pixels (y grows downwards).
struct PixelRect {
    var x: Double, y: Double, width: Double, height: Double
    var maxX: Double { x + width }
    var maxY: Double { y + height }

    func intersects(_ other: PixelRect) -> Bool {
        x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
    }

    func contains(_ px: Double, _ py: Double) -> Bool {
        px >= x && px <= maxX && py >= y && py <= maxY
    }

    func contains(_ other: PixelRect) -> Bool {
        other.x >= x && other.maxX <= maxX && other.y >= y && other.maxY <= maxY
    }

    func insetBy(_ d: Double) -> PixelRect {
        PixelRect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d)
    }
}

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

    /// Ticks for an axis over lo...hi (at most about `maxCount`, at least two): the step, the
    /// tick values, their labels and the widest label's width at the tick size.
    static func axisTicks(_ lo: Double, _ hi: Double, maxCount: Int) -> (step: Double, ticks: [Double], labels: [String], widest: Double) {
        let step = NiceTicks.atLeastTwoTicksStep(from: lo, to: hi, maxCount: maxCount)
        let ticks = NiceTicks.ticks(from: lo, to: hi, step: step)
        let labels = ticks.map { NiceTicks.format($0, step: step) }
        return (step, ticks, labels, labels.map { textWidth($0, size: tickSize) }.max() ?? 0)
    }

    /// An estimate of the width of `text` in a sans-serif font of `size` pixels (DejaVu Sans
    /// averages about 0.6 em per character; this errs on the wide side).
    static func textWidth(_ text: String, size: Double) -> Double {
        var em = 0.0
        for ch in text {
            if ch == " " || ch == "." || ch == "," || ch == ":" || ch == "(" || ch == ")" || ch == "i" || ch == "l" || ch == "|" || ch == "'" {
                em += 0.34
            } else if ch.isUppercase || ch == "m" || ch == "w" || ch == "M" || ch == "W" {
                em += 0.78
            } else {
                em += 0.62
            }
        }
        return em * size
    }

    /// The largest font size <= `size` at which `text` fits in `available` pixels (at least 9).
    static func fittedSize(_ text: String, size: Double, available: Double) -> Double {
        let width = textWidth(text, size: size)
        if width <= available || width == 0 { return size }
        return Swift.max(9, (size * available / width).rounded(.down))
    }

    /// `text` broken at spaces into at most `maxLines` lines of at most `width` pixels; the last
    /// line ends with "…" when text had to be left out. Time linear in the text: each word's
    /// width is measured once, and a line's width is kept as it grows.
    static func wrap(_ text: String, size: Double, width: Double, maxLines: Int) -> [String] {
        let space = textWidth(" ", size: size)
        var lines: [(text: String, width: Double)] = []
        var current = "", currentWidth = 0.0
        var leftOut = false
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if lines.count == maxLines { leftOut = true; break }
            let w = textWidth(String(word), size: size)
            if current.isEmpty {
                current = String(word); currentWidth = w
            } else if currentWidth + space + w <= width {
                current += " " + word; currentWidth += space + w
            } else {
                lines.append((current, currentWidth))
                current = ""; currentWidth = 0
                if lines.count == maxLines { leftOut = true; break }
                current = String(word); currentWidth = w
            }
        }
        if !current.isEmpty { lines.append((current, currentWidth)) }
        if leftOut || lines.contains(where: { $0.width > width }) {
            // the last line, cut after its longest prefix that fits with " …"
            let last = lines.removeLast().text
            let room = width - textWidth(" …", size: size)
            var kept = "", used = 0.0
            for ch in last {
                let w = textWidth(String(ch), size: size)
                if used + w > room { break }
                kept.append(ch); used += w
            }
            if leftOut || kept.count < last.count {
                lines.append((kept.trimmingCharacters(in: .whitespaces) + " …", 0))
            } else {
                lines.append((last, used))
            }
            // lines before the last were cut at spaces; a single word wider than the line is cut too
            for i in lines.indices.dropLast() where lines[i].width > width {
                var cut = "", w = 0.0
                for ch in lines[i].text {
                    let cw = textWidth(String(ch), size: size)
                    if w + cw > room { break }
                    cut.append(ch); w += cw
                }
                lines[i] = (cut + " …", w)
            }
        }
        return lines.map(\.text)
    }

    /// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) || (0xD800...0xDFFF).contains(v) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate with two decimals.
    static func f(_ v: Double) -> String {
        String(format: "%.2f", v)
    }

    func color(_ index: Int) -> String {
        LineChart.palette[((index % LineChart.palette.count) + LineChart.palette.count) % LineChart.palette.count]
    }

    // MARK: Layout

    struct Frame {
        var plot: PixelRect
        var x: ClosedRange<Double>
        var y: ClosedRange<Double>

        func px(_ v: Double) -> Double {
            plot.x + (v - x.lowerBound) / (x.upperBound - x.lowerBound) * plot.width
        }

        func py(_ v: Double) -> Double {
            plot.maxY - (v - y.lowerBound) / (y.upperBound - y.lowerBound) * plot.height
        }
    }

    /// A usable range: finite, ordered and not empty.
    static func sanitize(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        guard range.lowerBound.isFinite, range.upperBound.isFinite else { return 0...1 }
        if range.upperBound > range.lowerBound { return range }
        let half = range.lowerBound == 0 ? 1 : Swift.abs(range.lowerBound) * 0.1
        return (range.lowerBound - half)...(range.upperBound + half)
    }

    func automaticRange(_ coordinate: ((x: Double, y: Double)) -> Double, includeZero: Bool) -> ClosedRange<Double> {
        var chosen = chart.series.filter(\.affectsRange)
        if chosen.allSatisfy({ $0.points.isEmpty }) { chosen = chart.series }
        let values = chosen.flatMap { $0.points.map(coordinate) }
        return LineChart.automaticRange(values, includeZero: includeZero, padding: chart.padding)
    }

    // MARK: Render

    func render() -> String {
        let width = Swift.max(200, chart.width), height = Swift.max(150, chart.height)
        let xRange = Self.sanitize(chart.xRange ?? automaticRange({ $0.x }, includeZero: chart.xIncludesZero))
        let yRange = Self.sanitize(chart.yRange ?? automaticRange({ $0.y }, includeZero: chart.yIncludesZero))

        // Vertical layout: title (+ subtitle) on top, tick labels and the x label below.
        // Up to 4 lines, with a wide margin: the width estimate must not let a line spill out of the picture.
        let subtitleLines = Self.wrap(chart.subtitle ?? "", size: Self.subtitleSize, width: width - 60, maxLines: 4)
        let subtitleLineHeight = Self.subtitleSize + 4
        let top = 16 + Self.titleSize + (subtitleLines.isEmpty ? 0 : 4 + Double(subtitleLines.count) * subtitleLineHeight) + 18
        let bottomMargin = 8 + Self.tickSize + 14 + Self.axisLabelSize + 14
        let plotHeight = Swift.max(40, height - top - bottomMargin)

        // y ticks and their labels decide the left margin.
        let yCount = Swift.min(10, Swift.max(3, Int(plotHeight / 55)))
        let (_, yTicks, yTickLabels, yTickWidth) = Self.axisTicks(yRange.lowerBound, yRange.upperBound, maxCount: yCount)
        let left = 14 + Self.axisLabelSize + 12 + yTickWidth + 10

        var secondaryTicks: [Double] = []
        var secondaryLabels: [String] = []
        var right = 28.0
        let scale = chart.secondaryYScale
        let hasSecondary = chart.secondaryYLabel != nil && scale.isFinite && scale > 0
        if hasSecondary {
            let w: Double
            (_, secondaryTicks, secondaryLabels, w) = Self.axisTicks(yRange.lowerBound * scale, yRange.upperBound * scale, maxCount: yCount)
            right = 10 + w + 12 + Self.axisLabelSize + 14
        }
        let plotWidth = Swift.max(40, width - left - right)
        let frame = Frame(plot: PixelRect(x: left, y: top, width: plotWidth, height: plotHeight), x: xRange, y: yRange)

        // x ticks: as many as fit without their labels touching.
        var xCount = Swift.min(12, Swift.max(3, Int(plotWidth / 80)))
        var xStep = 1.0
        var xTicks: [Double] = []
        var xTickLabels: [String] = []
        while true {
            let widest: Double
            (xStep, xTicks, xTickLabels, widest) = Self.axisTicks(xRange.lowerBound, xRange.upperBound, maxCount: xCount)
            let spacing = xTicks.count > 1 ? plotWidth * xStep / (xRange.upperBound - xRange.lowerBound) : plotWidth
            if widest + 14 <= spacing || xCount <= 2 { break }
            xCount -= 1
        }

        var svg = SVGWriter(width: width, height: height, title: chart.title)
        let plot = frame.plot
        svg.line("<defs><clipPath id=\"plot-area\"><rect x=\"\(Self.f(plot.x))\" y=\"\(Self.f(plot.y))\" width=\"\(Self.f(plot.width))\" height=\"\(Self.f(plot.height))\"/></clipPath></defs>")

        // Grid.
        svg.line("<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">")
        for t in xTicks {
            let x = frame.px(t)
            svg.line("<line x1=\"\(Self.f(x))\" y1=\"\(Self.f(plot.y))\" x2=\"\(Self.f(x))\" y2=\"\(Self.f(plot.maxY))\"/>")
        }
        for t in yTicks {
            let y = frame.py(t)
            svg.line("<line x1=\"\(Self.f(plot.x))\" y1=\"\(Self.f(y))\" x2=\"\(Self.f(plot.maxX))\" y2=\"\(Self.f(y))\"/>")
        }
        svg.line("</g>")

        // Axes: frame, ticks and tick labels.
        svg.line("<g class=\"axes\" fill=\"#222222\" font-size=\"\(Self.f(Self.tickSize))\">")
        svg.line("<rect x=\"\(Self.f(plot.x))\" y=\"\(Self.f(plot.y))\" width=\"\(Self.f(plot.width))\" height=\"\(Self.f(plot.height))\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\"/>")
        for (t, label) in zip(xTicks, xTickLabels) {
            let x = frame.px(t)
            svg.line("<line x1=\"\(Self.f(x))\" y1=\"\(Self.f(plot.maxY))\" x2=\"\(Self.f(x))\" y2=\"\(Self.f(plot.maxY + 5))\" stroke=\"#444444\"/>")
            svg.line("<text class=\"tick x\" x=\"\(Self.f(x))\" y=\"\(Self.f(plot.maxY + 8 + Self.tickSize))\" text-anchor=\"middle\">\(Self.escape(label))</text>")
        }
        for (t, label) in zip(yTicks, yTickLabels) {
            let y = frame.py(t)
            svg.line("<line x1=\"\(Self.f(plot.x - 5))\" y1=\"\(Self.f(y))\" x2=\"\(Self.f(plot.x))\" y2=\"\(Self.f(y))\" stroke=\"#444444\"/>")
            svg.line("<text class=\"tick y\" x=\"\(Self.f(plot.x - 8))\" y=\"\(Self.f(y + 0.36 * Self.tickSize))\" text-anchor=\"end\">\(Self.escape(label))</text>")
        }
        if hasSecondary {
            for (t, label) in zip(secondaryTicks, secondaryLabels) {
                let y = frame.py(t / scale)
                svg.line("<line x1=\"\(Self.f(plot.maxX))\" y1=\"\(Self.f(y))\" x2=\"\(Self.f(plot.maxX + 5))\" y2=\"\(Self.f(y))\" stroke=\"#444444\"/>")
                svg.line("<text class=\"tick y2\" x=\"\(Self.f(plot.maxX + 8))\" y=\"\(Self.f(y + 0.36 * Self.tickSize))\" text-anchor=\"start\">\(Self.escape(label))</text>")
            }
        }
        svg.line("</g>")

        // Titles and axis labels.
        let titleSize = Self.fittedSize(chart.title, size: Self.titleSize, available: width - 20)
        svg.line("<text class=\"title\" x=\"\(Self.f(width / 2))\" y=\"\(Self.f(16 + Self.titleSize))\" text-anchor=\"middle\" font-size=\"\(Self.f(titleSize))\" font-weight=\"bold\" fill=\"#111111\">\(Self.escape(chart.title))</text>")
        for (i, line) in subtitleLines.enumerated() {
            let y = 16 + Self.titleSize + 4 + Double(i + 1) * subtitleLineHeight
            svg.line("<text class=\"subtitle\" x=\"\(Self.f(width / 2))\" y=\"\(Self.f(y))\" text-anchor=\"middle\" font-size=\"\(Self.f(Self.subtitleSize))\" fill=\"#555555\">\(Self.escape(line))</text>")
        }
        let xLabelSize = Self.fittedSize(chart.xLabel, size: Self.axisLabelSize, available: plot.width)
        svg.line("<text class=\"axis-label x\" x=\"\(Self.f(plot.x + plot.width / 2))\" y=\"\(Self.f(plot.maxY + 8 + Self.tickSize + 14 + Self.axisLabelSize))\" text-anchor=\"middle\" font-size=\"\(Self.f(xLabelSize))\" fill=\"#111111\">\(Self.escape(chart.xLabel))</text>")
        let yLabelSize = Self.fittedSize(chart.yLabel, size: Self.axisLabelSize, available: plot.height)
        let yLabelX = 14 + Self.axisLabelSize
        svg.line("<text class=\"axis-label y\" transform=\"translate(\(Self.f(yLabelX)),\(Self.f(plot.y + plot.height / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"\(Self.f(yLabelSize))\" fill=\"#111111\">\(Self.escape(chart.yLabel))</text>")
        if hasSecondary, let label = chart.secondaryYLabel {
            let size = Self.fittedSize(label, size: Self.axisLabelSize, available: plot.height)
            let x = width - 14 - Self.axisLabelSize
            svg.line("<text class=\"axis-label y2\" transform=\"translate(\(Self.f(x)),\(Self.f(plot.y + plot.height / 2))) rotate(90)\" text-anchor=\"middle\" font-size=\"\(Self.f(size))\" fill=\"#111111\">\(Self.escape(label))</text>")
        }

        // Series geometry in pixels.
        let drawn = chart.series.enumerated().map { index, series in
            DrawnSeries(series: series, color: color(series.colorIndex ?? index),
                        shape: MarkerShape.of((series.colorIndex ?? index)), frame: frame)
        }
        var obstacles: [(Double, Double)] = []
        for s in drawn {
            obstacles += s.samples(every: 5)
            obstacles += s.visibleMarkers.map { ($0.x, $0.y) }
        }

        // Lines, then markers on top.
        svg.line("<g class=\"series\" clip-path=\"url(#plot-area)\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\">")
        for s in drawn { s.drawLine(into: &svg) }
        // Hollow markers (bounds, references) first, so filled (measured) markers stay visible on top.
        for s in drawn where s.series.style == .markers(hollow: true) { s.drawMarkers(into: &svg) }
        for s in drawn where s.series.style != .markers(hollow: true) { s.drawMarkers(into: &svg) }
        svg.line("</g>")

        // Legend, in the corner that covers the fewest points.
        let legend = Legend(series: chart.series, drawn: drawn)
        var occupied: [PixelRect] = []
        if !legend.entries.isEmpty {
            let box = legend.place(in: plot, avoiding: obstacles)
            legend.draw(at: box, into: &svg)
            occupied.append(box)
        }

        // Point labels, where they overlap nothing else.
        var labelLines: [String] = []
        let obstacleGrid = PointGrid(obstacles)
        for s in drawn {
            guard let labels = s.series.labels else { continue }
            for (i, p) in s.pixels.enumerated() {
                guard i < labels.count, !labels[i].isEmpty, let p, plot.insetBy(-0.5).contains(p.x, p.y) else { continue }
                let text = labels[i]
                let w = Self.textWidth(text, size: Self.pointLabelSize), h = Self.pointLabelSize
                guard let box = Self.placeLabel(at: p, width: w, height: h, plot: plot,
                                                occupied: occupied, obstacles: obstacleGrid) else { continue }
                occupied.append(box)
                labelLines.append("<text x=\"\(Self.f(box.x))\" y=\"\(Self.f(box.y + 0.82 * h))\" fill=\"\(s.color)\">\(Self.escape(text))</text>")
            }
        }
        if !labelLines.isEmpty {
            svg.line("<g class=\"point-labels\" font-size=\"\(Self.f(Self.pointLabelSize))\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">")
            for l in labelLines { svg.line(l) }
            svg.line("</g>")
        }
        return svg.finish()
    }

    /// The best free spot for a label of `width` x `height` next to point `p`, or nil when every
    /// candidate would overlap another label, the legend, or leave the plot.
    static func placeLabel(at p: (x: Double, y: Double), width w: Double, height h: Double, plot: PixelRect,
                           occupied: [PixelRect], obstacles: PointGrid) -> PixelRect? {
        var best: (score: Double, rect: PixelRect)?
        for gap in [6.0, 11.0] {   // farther away a label no longer reads as this point's
            let candidates = [
                PixelRect(x: p.x + gap, y: p.y - gap - h, width: w, height: h),         // upper right
                PixelRect(x: p.x - gap - w, y: p.y + gap * 0.5, width: w, height: h),   // lower left
                PixelRect(x: p.x + gap, y: p.y + gap * 0.5, width: w, height: h),       // lower right
                PixelRect(x: p.x - gap - w, y: p.y - gap - h, width: w, height: h),     // upper left
                PixelRect(x: p.x + gap + 2, y: p.y - h / 2, width: w, height: h),       // right
                PixelRect(x: p.x - gap - 2 - w, y: p.y - h / 2, width: w, height: h),   // left
                PixelRect(x: p.x - w / 2, y: p.y - gap - 2 - h, width: w, height: h),   // above
                PixelRect(x: p.x - w / 2, y: p.y + gap + 2, width: w, height: h),       // below
            ]
            for (order, rect) in candidates.enumerated() {
                if !plot.insetBy(2).contains(rect) { continue }
                if occupied.contains(where: { $0.intersects(rect.insetBy(-3)) }) { continue }
                let padded = rect.insetBy(-2)
                let hits = Double(obstacles.count(in: padded))
                // Prefer few crossings, then closeness, then the order above.
                let score = hits * 10 + gap * 0.1 + Double(order) * 0.01
                if best == nil || score < best!.score { best = (score, rect) }
            }
            if let best, best.score < 10 { return best.rect }
        }
        return best?.rect
    }
}

// MARK: - Series geometry

enum MarkerShape: Int {
    case circle, square, triangle, diamond

    static func of(_ index: Int) -> MarkerShape {
        MarkerShape(rawValue: ((index % 4) + 4) % 4)!
    }

    /// SVG for this marker centred at (x, y).
    func svg(x: Double, y: Double, radius r: Double, fill: String, stroke: String, strokeWidth: Double) -> String {
        let f = ChartRenderer.f
        let paint = "fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(f(strokeWidth))\""
        switch self {
        case .circle:
            return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" \(paint)/>"
        case .square:
            let s = r * 0.9
            return "<rect x=\"\(f(x - s))\" y=\"\(f(y - s))\" width=\"\(f(2 * s))\" height=\"\(f(2 * s))\" \(paint)/>"
        case .triangle:
            let s = r * 1.2
            return "<path d=\"M\(f(x)) \(f(y - s))L\(f(x + s * 0.95)) \(f(y + s * 0.7))L\(f(x - s * 0.95)) \(f(y + s * 0.7))Z\" \(paint)/>"
        case .diamond:
            let s = r * 1.25
            return "<path d=\"M\(f(x)) \(f(y - s))L\(f(x + s)) \(f(y))L\(f(x)) \(f(y + s))L\(f(x - s)) \(f(y))Z\" \(paint)/>"
        }
    }
}

/// A series mapped to pixels.
struct DrawnSeries {
    let series: LineChart.Series
    let color: String
    let shape: MarkerShape
    let plot: PixelRect
    /// Pixel positions, nil for non-finite points.
    let pixels: [(x: Double, y: Double)?]
    /// The visible pieces of the line, clipped to the plot (each a polyline).
    let pieces: [[(x: Double, y: Double)]]

    init(series: LineChart.Series, color: String, shape: MarkerShape, frame: ChartRenderer.Frame) {
        self.series = series
        self.color = color
        self.shape = shape
        self.plot = frame.plot
        let pixels: [(x: Double, y: Double)?] = series.points.map { p in
            let x = frame.px(p.x), y = frame.py(p.y)
            return x.isFinite && y.isFinite ? (x, y) : nil
        }
        self.pixels = pixels
        var pieces: [[(x: Double, y: Double)]] = []
        if series.style != .markers(hollow: true) && series.style != .markers(hollow: false) {
            let clip = frame.plot.insetBy(-2)
            var current: [(x: Double, y: Double)] = []
            for i in 1..<Swift.max(1, pixels.count) {
                guard let a = pixels[i - 1], let b = pixels[i],
                      let (ca, cb) = DrawnSeries.clip(a, b, to: clip) else {
                    if current.count > 1 { pieces.append(current) }
                    current = []
                    continue
                }
                if let last = current.last, Swift.abs(last.x - ca.x) < 1e-9, Swift.abs(last.y - ca.y) < 1e-9 {
                    current.append(cb)
                } else {
                    if current.count > 1 { pieces.append(current) }
                    current = [ca, cb]
                }
            }
            if current.count > 1 { pieces.append(current) }
        }
        self.pieces = pieces
    }

    var hasMarkers: Bool {
        switch series.style {
        case .linePoints, .markers: return true
        case .line: return false
        }
    }

    var visibleMarkers: [(x: Double, y: Double)] {
        guard hasMarkers else { return [] }
        let area = plot.insetBy(-0.5)
        return pixels.compactMap { $0 }.filter { area.contains($0.x, $0.y) }
    }

    /// Points along the visible line every `spacing` pixels (for placing the legend and labels).
    func samples(every spacing: Double) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        for piece in pieces {
            for i in 1..<piece.count {
                let a = piece[i - 1], b = piece[i]
                let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
                let steps = Swift.max(1, Int(length / spacing))
                for k in 0...steps {
                    let t = Double(k) / Double(steps)
                    out.append((a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)))
                }
            }
        }
        return out
    }

    /// Liang-Barsky: the part of segment a-b inside `rect`, or nil.
    static func clip(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double), to rect: PixelRect)
        -> ((x: Double, y: Double), (x: Double, y: Double))? {
        let dx = b.x - a.x, dy = b.y - a.y
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, a.x - rect.x), (dx, rect.maxX - a.x), (-dy, a.y - rect.y), (dy, rect.maxY - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 { if r > t1 { return nil }; if r > t0 { t0 = r } }
                else { if r < t0 { return nil }; if r < t1 { t1 = r } }
            }
        }
        return ((a.x + t0 * dx, a.y + t0 * dy), (a.x + t1 * dx, a.y + t1 * dy))
    }

    static func lineAttributes(_ style: LineChart.Style, color: String) -> String? {
        switch style {
        case .linePoints: return "stroke=\"\(color)\" stroke-width=\"2\""
        case .line(let dashed):
            return "stroke=\"\(color)\" stroke-width=\"1.8\"" + (dashed ? " stroke-dasharray=\"7 5\"" : "")
        case .markers: return nil
        }
    }

    func drawLine(into svg: inout SVGWriter) {
        guard let attributes = DrawnSeries.lineAttributes(series.style, color: color), !pieces.isEmpty else { return }
        var d = ""
        for piece in pieces {
            for (i, p) in piece.enumerated() {
                d += (i == 0 ? "M" : "L") + ChartRenderer.f(p.x) + " " + ChartRenderer.f(p.y)
            }
        }
        svg.line("<path d=\"\(d)\" \(attributes)/>")
    }

    static func markerSVG(_ style: LineChart.Style, shape: MarkerShape, color: String, x: Double, y: Double) -> String? {
        switch style {
        case .linePoints, .markers(hollow: false):
            return shape.svg(x: x, y: y, radius: ChartRenderer.markerRadius, fill: color, stroke: "#ffffff", strokeWidth: 1)
        case .markers(hollow: true):
            return shape.svg(x: x, y: y, radius: ChartRenderer.markerRadius + 0.5, fill: "#ffffff", stroke: color, strokeWidth: 1.6)
        case .line:
            return nil
        }
    }

    func drawMarkers(into svg: inout SVGWriter) {
        for p in visibleMarkers {
            if let m = DrawnSeries.markerSVG(series.style, shape: shape, color: color, x: p.x, y: p.y) { svg.line(m) }
        }
    }
}

// MARK: - Legend

struct Legend {
    struct Entry {
        var name: String
        var color: String
        var shape: MarkerShape
        var styles: [LineChart.Style]
    }

    var entries: [Entry] = []
    static let rowHeight = 19.0
    static let sampleWidth = 30.0

    init(series: [LineChart.Series], drawn: [DrawnSeries]) {
        for (s, d) in zip(series, drawn) where s.showsInLegend && !s.name.isEmpty {
            if let i = entries.firstIndex(where: { $0.name == s.name && $0.color == d.color }) {
                entries[i].styles.append(s.style)
            } else {
                entries.append(Entry(name: s.name, color: d.color, shape: d.shape, styles: [s.style]))
            }
        }
    }

    var size: (width: Double, height: Double) {
        let text = entries.map { ChartRenderer.textWidth($0.name, size: ChartRenderer.legendSize) }.max() ?? 0
        return (10 + Legend.sampleWidth + 8 + text + 10, 8 + Double(entries.count) * Legend.rowHeight + 4)
    }

    /// The corner of `plot` whose box covers the fewest obstacle points (top right first on ties).
    func place(in plot: PixelRect, avoiding obstacles: [(Double, Double)]) -> PixelRect {
        let (w, h) = size
        let inset = 8.0
        let corners = [
            PixelRect(x: plot.maxX - inset - w, y: plot.y + inset, width: w, height: h),
            PixelRect(x: plot.x + inset, y: plot.y + inset, width: w, height: h),
            PixelRect(x: plot.maxX - inset - w, y: plot.maxY - inset - h, width: w, height: h),
            PixelRect(x: plot.x + inset, y: plot.maxY - inset - h, width: w, height: h),
        ]
        var best = corners[0], bestHits = Int.max
        for corner in corners {
            let padded = corner.insetBy(-4)
            let hits = obstacles.reduce(0) { $0 + (padded.contains($1.0, $1.1) ? 1 : 0) }
            if hits < bestHits { best = corner; bestHits = hits }
        }
        return best
    }

    func draw(at box: PixelRect, into svg: inout SVGWriter) {
        let f = ChartRenderer.f
        svg.line("<g class=\"legend\" font-size=\"\(f(ChartRenderer.legendSize))\">")
        svg.line("<rect x=\"\(f(box.x))\" y=\"\(f(box.y))\" width=\"\(f(box.width))\" height=\"\(f(box.height))\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#bbbbbb\" stroke-width=\"1\" rx=\"3\"/>")
        for (i, entry) in entries.enumerated() {
            let mid = box.y + 8 + (Double(i) + 0.5) * Legend.rowHeight
            let x0 = box.x + 10, x1 = x0 + Legend.sampleWidth
            for style in entry.styles {
                if let attributes = DrawnSeries.lineAttributes(style, color: entry.color) {
                    svg.line("<line x1=\"\(f(x0))\" y1=\"\(f(mid))\" x2=\"\(f(x1))\" y2=\"\(f(mid))\" \(attributes) fill=\"none\"/>")
                }
            }
            for style in entry.styles {
                if let marker = DrawnSeries.markerSVG(style, shape: entry.shape, color: entry.color, x: (x0 + x1) / 2, y: mid) {
                    svg.line(marker)
                }
            }
            svg.line("<text x=\"\(f(x1 + 8))\" y=\"\(f(mid + 0.36 * ChartRenderer.legendSize))\" fill=\"#111111\">\(ChartRenderer.escape(entry.name))</text>")
        }
        svg.line("</g>")
    }
}

// MARK: - SVG text

/// Accumulates the lines of an SVG document.
struct SVGWriter {
    private var text: String

    init(width: Double, height: Double, title: String) {
        let f = ChartRenderer.f
        text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"\(ChartRenderer.fontFamily)\">\n"
        text += "<title>\(ChartRenderer.escape(title))</title>\n"
        text += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>\n"
    }

    mutating func line(_ s: String) {
        text += s
        text += "\n"
    }

    mutating func finish() -> String {
        text += "</svg>\n"
        return text
    }
}
