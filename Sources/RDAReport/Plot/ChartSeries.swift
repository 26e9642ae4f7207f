import Foundation
import RDAIO

// MARK: - Series: lines and markers in pixels

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

extension ChartRenderer {
    /// Each series in pixels, with its color and marker shape.
    func drawnSeries(in frame: Frame) -> [DrawnSeries] {
        chart.series.enumerated().map { index, series in
            DrawnSeries(series: series, color: color(series.colorIndex ?? index),
                        shape: MarkerShape.of((series.colorIndex ?? index)), frame: frame)
        }
    }

    /// What labels and the legend should not cover: points along the lines and the markers.
    static func obstacles(of drawn: [DrawnSeries]) -> [(Double, Double)] {
        var obstacles: [(Double, Double)] = []
        for s in drawn {
            obstacles += s.samples(every: 5)
            obstacles += s.visibleMarkers.map { ($0.x, $0.y) }
        }
        return obstacles
    }

    /// Lines, then markers on top.
    func drawSeries(_ drawn: [DrawnSeries], into svg: inout SVGWriter) {
        svg.line("<g class=\"series\" clip-path=\"url(#plot-area)\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\">")
        for s in drawn { s.drawLine(into: &svg) }
        // Hollow markers (bounds, references) first, so filled (measured) markers stay visible on top.
        for s in drawn where s.series.style == .markers(hollow: true) { s.drawMarkers(into: &svg) }
        for s in drawn where s.series.style != .markers(hollow: true) { s.drawMarkers(into: &svg) }
        svg.line("</g>")
    }
}
