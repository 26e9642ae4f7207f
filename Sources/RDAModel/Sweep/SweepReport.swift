import RDAReport
import Foundation
import RDAIO

/// The page of a lambda sweep, `DIR/report.html`: the rate-distortion chart with its bound
/// (`curve.svg`), a table per lambda linking to each run's page, and `rate-per-dim.svg`: the
/// sorted rate per latent dimension at every lambda, showing how the rate spreads over more
/// dimensions as lambda grows.
public enum SweepReport {
    /// Writes `rate-per-dim.svg` and `report.html` into `dir` (which holds `curve.svg`).
    public static func write(dir: URL, curve: CurveData, entries: [Sweep.Entry]) throws {
        var page = HTMLPage(title: "Sweep \(curve.name)")
        page.paragraph((curve.description ?? "") + ". Rates in nats per example (bits = nats / ln 2).", note: true)
        page.heading("Rate-distortion curve")
        page.figure("curve.svg", caption: "Rate against distortion, points joined in lambda order" + (curve.bound != nil ? ", beside the bound (dashed; hollow markers: the bound's optimum at the same lambda)." : "."), alt: "rate-distortion curve")

        page.heading("Runs")
        let atLambda = curve.bound?.atLambdas
        var rows: [[String]] = [], links: [[String]] = []
        for e in entries {
            let r = e.report
            var row = [formatNumber(r.lambda), RunReport.n(r.rateNats), RunReport.n(r.rateBits), RunReport.n(r.distortion),
                       RunReport.n(r.objective), r.psnrDb.map { RunReport.n($0, 2) } ?? ""]
            if let at = atLambda, let i = at.lambda.firstIndex(of: r.lambda), let objectives = at.objective, i < objectives.count {
                row += [RunReport.n(objectives[i]), String(format: "%+.2f%%", 100 * (r.objective / objectives[i] - 1))]
            } else {
                row += ["", ""]
            }
            let relative = e.folder.standardizedFileURL.path.hasPrefix(dir.standardizedFileURL.path + "/")
                ? String(e.folder.standardizedFileURL.path.dropFirst(dir.standardizedFileURL.path.count + 1)) + "/" + RunReport.file
                : e.folder.standardizedFileURL.appendingPathComponent(RunReport.file).absoluteString
            row.append("run page")
            rows.append(row)
            links.append(Array(repeating: "", count: row.count - 1) + [relative])
        }
        page.table(header: ["lambda", "rate (nats)", "rate (bits)", "distortion", "objective", "PSNR (dB)", "bound objective", "vs bound", "run"],
                   rows: rows, links: links)

        let withDims = entries.filter { $0.report.ratePerDimNats != nil }
        if !withDims.isEmpty {
            try ratePerDimensionChart(withDims, name: curve.name).write(to: dir.appendingPathComponent(RunReport.ratePerDimChart))
            page.heading("Rate per latent dimension, by lambda")
            page.figure(RunReport.ratePerDimChart, caption: "At each lambda, the rate of each latent dimension (closed-form KL; quantized channel: -ln P(z~_k) under the prior), sorted (rank 1: the dimension with the most rate)" + (withDims.contains { $0.report.boundRatePerComponentNats != nil } ? "; dashed: the water-filling allocation of the bound at the same lambda." : "."), alt: "rate per latent dimension by lambda")
        }
        try page.write(to: dir.appendingPathComponent(RunReport.file))
    }

    /// One line per lambda: rate of the dimension of each rank (largest first); for gaussian:
    /// sources the bound's sorted per-component rates as a dashed line in the same colour.
    static func ratePerDimensionChart(_ entries: [Sweep.Entry], name: String) -> LineChart {
        var chart = LineChart(title: "Rate per latent dimension: \(name)", xLabel: "rank of the latent dimension (1: most rate)",
                              yLabel: "rate (nats per example)", secondaryYLabel: "rate (bits)", yIncludesZero: true,
                              height: 480)
        for (i, e) in entries.enumerated() {
            let sorted = e.report.ratePerDimNats!.sorted(by: >)
            let label = "λ=" + NiceTicks.compact(e.report.lambda)
            chart.series.append(.init(name: label, points: sorted.enumerated().map { (x: Double($0.offset + 1), y: $0.element) },
                                      colorIndex: i))
            if let b = e.report.boundRatePerComponentNats {
                chart.series.append(.init(name: "dashed: bound, in the colour of its λ", points: b.sorted(by: >).enumerated().map { (x: Double($0.offset + 1), y: $0.element) },
                                          style: .line(dashed: true), colorIndex: i, showsInLegend: i == 0))
            }
        }
        return chart
    }
}
