import Foundation
import RDAIO

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

    /// Whether `box` (with a marker's radius around it) covers one of `markers` (data points).
    static func covers(_ box: PixelRect, _ markers: [(Double, Double)]) -> Bool {
        let padded = box.insetBy(-ChartRenderer.markerRadius)
        return markers.contains { padded.contains($0.0, $0.1) }
    }

    /// The corner of `plot` whose box covers the fewest data points (`markers`), then the fewest
    /// obstacle points (top right first on ties).
    func place(in plot: PixelRect, avoiding obstacles: [(Double, Double)], markers: [(Double, Double)] = []) -> PixelRect {
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
            let markerHits = markers.reduce(0) { $0 + (corner.insetBy(-ChartRenderer.markerRadius).contains($1.0, $1.1) ? 1 : 0) }
            let hits = 1_000_000 * markerHits + obstacles.reduce(0) { $0 + (padded.contains($1.0, $1.1) ? 1 : 0) }
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
