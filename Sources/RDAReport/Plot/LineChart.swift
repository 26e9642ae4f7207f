import Foundation
import RDAIO

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
