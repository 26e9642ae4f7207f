import Foundation
import RDAIO

// MARK: - Layout: the plot rectangle, the data ranges and the ticks

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

extension ChartRenderer {
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

    /// Where everything goes: the picture's size, the plot rectangle and its data ranges, the
    /// title's lines and the ticks of each axis.
    struct Layout {
        var width: Double, height: Double
        var frame: Frame
        var subtitleLines: [String]
        var subtitleLineHeight: Double
        var xTicks: [Double], xTickLabels: [String]
        var yTicks: [Double], yTickLabels: [String]
        /// The right-hand axis (`LineChart.secondaryYLabel`): its ticks in its own units.
        var hasSecondary: Bool
        var secondaryScale: Double
        var secondaryTicks: [Double], secondaryLabels: [String]
    }

    /// The layout of `chart`: margins from the titles and the tick labels, then as many x ticks
    /// as fit without their labels touching.
    func layout() -> Layout {
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

        return Layout(width: width, height: height, frame: frame, subtitleLines: subtitleLines,
                      subtitleLineHeight: subtitleLineHeight, xTicks: xTicks, xTickLabels: xTickLabels,
                      yTicks: yTicks, yTickLabels: yTickLabels, hasSecondary: hasSecondary, secondaryScale: scale,
                      secondaryTicks: secondaryTicks, secondaryLabels: secondaryLabels)
    }
}
