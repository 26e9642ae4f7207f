import Foundation
import RDAIO

// MARK: - Point labels: a label next to each point, where it overlaps nothing else

extension ChartRenderer {
    /// Draws the series' point labels, each where it covers no other label, the legend
    /// (`occupied`), nor the lines and markers (`obstacles`); a label with no such place is left out.
    func drawPointLabels(_ drawn: [DrawnSeries], plot: PixelRect, occupied: [PixelRect], obstacles: [(Double, Double)],
                         into svg: inout SVGWriter) {
        var occupied = occupied
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
