import Foundation
import RDAIO

// MARK: - Axes: ticks, grid, frame, tick labels, titles and axis labels

extension ChartRenderer {
    /// Ticks for an axis over lo...hi (at most about `maxCount`, at least two): the step, the
    /// tick values, their labels and the widest label's width at the tick size.
    static func axisTicks(_ lo: Double, _ hi: Double, maxCount: Int) -> (step: Double, ticks: [Double], labels: [String], widest: Double) {
        let step = NiceTicks.atLeastTwoTicksStep(from: lo, to: hi, maxCount: maxCount)
        let ticks = NiceTicks.ticks(from: lo, to: hi, step: step)
        let labels = ticks.map { NiceTicks.format($0, step: step) }
        return (step, ticks, labels, labels.map { textWidth($0, size: tickSize) }.max() ?? 0)
    }

    /// Grid lines at the ticks of both axes.
    func drawGrid(_ layout: Layout, into svg: inout SVGWriter) {
        let frame = layout.frame, plot = frame.plot
        let xTicks = layout.xTicks, yTicks = layout.yTicks
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
    }

    /// The plot's frame, the ticks and their labels (the right-hand axis too, when there is one).
    func drawAxes(_ layout: Layout, into svg: inout SVGWriter) {
        let frame = layout.frame, plot = frame.plot, scale = layout.secondaryScale, hasSecondary = layout.hasSecondary
        let (xTicks, xTickLabels, yTicks, yTickLabels) = (layout.xTicks, layout.xTickLabels, layout.yTicks, layout.yTickLabels)
        let (secondaryTicks, secondaryLabels) = (layout.secondaryTicks, layout.secondaryLabels)
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
    }

    /// The title and subtitle on top, and the label of each axis.
    func drawTitles(_ layout: Layout, into svg: inout SVGWriter) {
        let plot = layout.frame.plot, width = layout.width, hasSecondary = layout.hasSecondary
        let subtitleLines = layout.subtitleLines, subtitleLineHeight = layout.subtitleLineHeight
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
    }
}
