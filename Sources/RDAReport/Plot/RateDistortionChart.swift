import Foundation
import RDAIO

/// The rate-distortion chart of one or more lambda sweeps.
///
/// x is the distortion, y the rate in nats, with a right-hand axis in bits (nats / ln 2). Each
/// sweep is a solid line through its points in lambda order, every point labelled "λ=...". A
/// sweep's bound, when present, is a dashed line in the same colour with hollow markers at the
/// bound's optimum for the sweep's lambdas, so each measured point can be compared with the
/// bound's point of the same lambda. The axes start at 0 and cover the measured points and the
/// bound's points at the sweep's lambdas; the continuous bound is clipped to that range (it
/// rises without limit as the distortion goes to 0) but the range stretches to show where it
/// reaches zero rate if that is not far beyond the measured points. Curves whose bounds are the
/// same (the same kind and points: sweeps of one source) share one bound, drawn once in the
/// colour of the first and named after all of them.
public enum RateDistortionChart {
    /// The chart of `curves`, in their order (colours follow the order).
    public static func make(curves: [CurveData], title: String = "Rate-distortion curve") -> LineChart {
        var series: [LineChart.Series] = []
        var rangeDistortions: [Double] = [0]
        var rangeRates: [Double] = [0]
        var boundEnds: [Double] = []
        var drawnBounds: [(kind: String, line: [Double], markers: [Double], series: [Int], names: [String])] = []
        for (index, curve) in curves.enumerated() {
            let name = displayName(curve, index: index)
            let r = curve.results
            let order = curve.lambdaOrder.filter { $0 < r.rateNats.count && $0 < r.distortion.count }
            let points = order.map { (x: r.distortion[$0], y: r.rateNats[$0]) }
            let labels = order.map { "λ=" + NiceTicks.compact(r.lambda[$0]) }
            series.append(LineChart.Series(name: name, points: points, labels: labels, style: .linePoints, colorIndex: index))
            rangeDistortions += points.map(\.x)
            rangeRates += points.map(\.y)

            guard let bound = curve.bound else { continue }
            let boundName = "\(name): \(bound.kind) bound"
            let line = bound.curve.map { $0.distortion + $0.rateNats } ?? []
            let markers = bound.atLambdas.map { $0.lambda + $0.distortion + $0.rateNats } ?? []
            if let same = drawnBounds.firstIndex(where: { $0.kind == bound.kind && $0.line == line && $0.markers == markers }) {
                // drawn already for another curve: name it after both instead of drawing it twice
                drawnBounds[same].names.append(name)
                let shared = drawnBounds[same].names.joined(separator: ", ") + ": \(bound.kind) bound"
                for i in drawnBounds[same].series { series[i].name = shared }
                continue
            }
            let first = series.count
            if let line = bound.curve {
                let pts = zip(line.distortion, line.rateNats)
                    .map { (x: $0.0, y: $0.1) }
                    .filter { $0.x.isFinite && $0.y.isFinite }
                    .sorted { $0.x < $1.x }
                series.append(LineChart.Series(name: boundName, points: pts, style: .line(dashed: true),
                                               colorIndex: index, affectsRange: false))
                if let end = pts.first(where: { $0.y <= 1e-12 }) { boundEnds.append(end.x) }
            }
            if let at = bound.atLambdas {
                let idx = at.lambda.indices.sorted { at.lambda[$0] < at.lambda[$1] }
                    .filter { $0 < at.rateNats.count && $0 < at.distortion.count }
                let pts = idx.map { (x: at.distortion[$0], y: at.rateNats[$0]) }
                series.append(LineChart.Series(name: boundName, points: pts, style: .markers(hollow: true),
                                               colorIndex: index))
                rangeDistortions += pts.map(\.x)
                rangeRates += pts.map(\.y)
            }
            drawnBounds.append((bound.kind, line, markers, Array(first..<series.count), [name]))
        }

        var chart = LineChart(title: title, xLabel: distortionLabel(curves), yLabel: "rate R (nats)",
                              secondaryYLabel: "rate (bits = nats / ln 2)", secondaryYScale: 1 / M_LN2,
                              series: series, xIncludesZero: true, yIncludesZero: true)
        chart.subtitle = subtitle(curves)
        // Show where a bound reaches zero rate when that is within 1.5 x the measured distortions.
        let maxD = rangeDistortions.filter(\.isFinite).max() ?? 0
        for end in boundEnds where end > maxD && end <= 1.5 * maxD { rangeDistortions.append(end) }
        chart.xRange = LineChart.automaticRange(rangeDistortions, includeZero: true, padding: chart.padding)
        chart.yRange = LineChart.automaticRange(rangeRates, includeZero: true, padding: 0.08)
        return chart
    }

    /// Reads each `curve.json`, draws them together and writes the SVG to `url`.
    public static func write(curveFiles: [URL], title: String = "Rate-distortion curve", to url: URL) throws {
        let curves = try curveFiles.map { try CurveData.read(from: $0) }
        try make(curves: curves, title: title).write(to: url)
    }

    static func displayName(_ curve: CurveData, index: Int) -> String {
        if !curve.name.isEmpty { return curve.name }
        if let data = curve.data, !data.isEmpty { return data }
        return "sweep \(index + 1)"
    }

    static func distortionLabel(_ curves: [CurveData]) -> String {
        var kinds: [String] = []
        for kind in curves.compactMap(\.distortionKind) where !kinds.contains(kind) { kinds.append(kind) }
        if kinds == ["l2"] { return "distortion D (squared error summed over dimensions, per example)" }
        if kinds == ["l1"] { return "distortion D (absolute error summed over dimensions, per example)" }
        if kinds.isEmpty { return "distortion D (per example)" }
        return "distortion D (\(kinds.joined(separator: ", ")), per example)"
    }

    static func subtitle(_ curves: [CurveData]) -> String? {
        guard curves.count == 1, let curve = curves.first else {
            var data: [String] = []
            for d in curves.compactMap(\.data) where !data.contains(d) { data.append(d) }
            return data.isEmpty ? nil : "data: " + data.joined(separator: ", ")
        }
        var parts: [String] = []
        if let d = curve.data, !d.isEmpty { parts.append("data: \(d)") }
        if let text = curve.description, !text.isEmpty { parts.append(text) }
        if let b = curve.bound?.description, !b.isEmpty { parts.append("bound: \(b)") }   // wrapped or shortened to fit
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }
}
