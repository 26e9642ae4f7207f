import Foundation
import RDAIO

/// Training curves: four line charts in one SVG (2 x 2 panels), each against the epoch:
/// rate (nats, with bits on the right-hand axis), distortion, objective rate + lambda *
/// distortion (nats and bits), and the learning rate (at the epoch's last step). Rate, distortion and objective show the
/// training mean (solid) and the test figure (dashed, hollow markers) when there is one.
///
/// Each panel is a `LineChart` embedded as a nested `<svg>` element; their clip-path ids are
/// renamed per panel so the panels do not share one.
public struct TrainingChart: Sendable {
    /// One value per epoch, in epoch order (RDAModel builds it from the records of
    /// `metrics.jsonl`, `EpochMetrics`).
    public struct History: Sendable {
        public var epoch: [Double] = []
        public var trainRate: [Double] = [], testRate: [Double?] = []
        public var trainDistortion: [Double] = [], testDistortion: [Double?] = []
        public var trainObjective: [Double] = [], testObjective: [Double?] = []
        public var learningRate: [Double] = []

        public init() {}

    }

    public var title: String
    public var history: History
    /// The distortion's axis label, e.g. "distortion (squared error, per example)".
    public var distortionLabel: String
    /// Size of each panel in pixels.
    public var panelWidth: Double = 520, panelHeight: Double = 340

    public init(title: String, history: History, distortionLabel: String = "distortion (per example)") {
        self.title = title
        self.history = history
        self.distortionLabel = distortionLabel
    }

    /// The four panels, in order rate, distortion, objective, learning rate.
    public func panels() -> [LineChart] {
        let h = history
        func points(_ values: [Double?]) -> [(x: Double, y: Double)] {
            zip(h.epoch, values).compactMap { e, v in v.map { (x: e, y: $0) } }
        }
        func panel(_ title: String, _ yLabel: String, bits: Bool, train: [Double], test: [Double?]) -> LineChart {
            var chart = LineChart(title: title, xLabel: "epoch", yLabel: yLabel,
                                  secondaryYLabel: bits ? "bits (= nats / ln 2)" : nil,
                                  yIncludesZero: true, width: panelWidth, height: panelHeight)
            chart.series.append(.init(name: "train (mean over the epoch)", points: points(train), style: .linePoints, colorIndex: 0))
            let t = points(test)
            if !t.isEmpty {
                chart.series.append(.init(name: "test", points: t, style: .line(dashed: true), colorIndex: 1))
                chart.series.append(.init(name: "test", points: t, style: .markers(hollow: true), colorIndex: 1))
            }
            chart.xRange = epochRange
            return chart
        }
        var lr = LineChart(title: "Learning rate", xLabel: "epoch", yLabel: "learning rate",
                           yIncludesZero: true, width: panelWidth, height: panelHeight)
        lr.series.append(.init(name: "learning rate", points: points(h.learningRate), style: .linePoints, colorIndex: 2))
        lr.xRange = epochRange
        return [
            panel("Rate", "rate (nats)", bits: true, train: h.trainRate, test: h.testRate),
            panel("Distortion", distortionLabel, bits: false, train: h.trainDistortion, test: h.testDistortion),
            panel("Objective: rate + lambda * distortion", "objective (nats)", bits: true, train: h.trainObjective, test: h.testObjective),
            lr,
        ]
    }

    /// Epochs 0 ... last (at least 0 ... 1) plus 5%, so one epoch still gets a readable axis and
    /// the last epoch's markers are not cut by the frame.
    var epochRange: ClosedRange<Double> {
        0...(Swift.max(1, history.epoch.max() ?? 1) * 1.05)
    }

    /// The chart as a complete SVG document: a title line over the 2 x 2 panels.
    public func svg() -> String {
        let header = 40.0
        let width = 2 * panelWidth, height = header + 2 * panelHeight
        var svg = SVGWriter(width: width, height: height, title: title)
        let titleSize = ChartRenderer.fittedSize(title, size: ChartRenderer.titleSize + 2, available: width - 20)
        svg.line("<text class=\"title\" x=\"\(ChartRenderer.f(width / 2))\" y=\"28\" text-anchor=\"middle\" font-size=\"\(ChartRenderer.f(titleSize))\" font-weight=\"bold\" fill=\"#111111\">\(ChartRenderer.escape(title))</text>")
        for (i, chart) in panels().enumerated() {
            let x = Double(i % 2) * panelWidth, y = header + Double(i / 2) * panelHeight
            svg.line(Self.nested(chart.svg(), x: x, y: y, id: "panel\(i)"))
        }
        return svg.finish()
    }

    /// Writes `svg()` to `url` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(svg().utf8), to: url)
    }

    /// A standalone chart document as a nested `<svg>` at (x, y): without the XML declaration,
    /// with its clip-path id made unique by `id`.
    static func nested(_ document: String, x: Double, y: Double, id: String) -> String {
        var body = document
        if body.hasPrefix("<?xml"), let end = body.firstIndex(of: "\n") { body = String(body[body.index(after: end)...]) }
        body = body.replacingOccurrences(of: "plot-area", with: "plot-area-\(id)")
        if let open = body.range(of: "<svg ") {
            body.replaceSubrange(open, with: "<svg x=\"\(ChartRenderer.f(x))\" y=\"\(ChartRenderer.f(y))\" ")
        }
        return body.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
