import RDAReport
import Foundation
import RDACore
import RDAIO

/// The page of one training run, `DIR/report.html`, with the charts and pictures it shows:
///
///     DIR/training.svg          rate, distortion, objective per epoch (train and test), learning rate
///     DIR/rate-per-dim.svg      the rate of each latent dimension, sorted: closed-form KL (Gaussian
///                               channel) or -ln P(z~_k) (quantized); for gaussian: sources also the
///                               water-filling rate of each component
///     DIR/samples.png, reconstructions.png, interpolations.png, traversals.png   (image data)
///
/// Everything is built from the run's files (`run.json`, `eval.json`, `metrics.jsonl`) and, for
/// the pictures, its model and test data.
public enum RunReport {
    /// The page's file name in the run folder.
    public static let file = "report.html"
    /// The training curves chart's file name (SVG).
    public static let trainingChart = "training.svg"
    /// The rate-per-latent-dimension chart's file name (SVG).
    public static let ratePerDimChart = "rate-per-dim.svg"
    /// The interpolations grid's file name (PNG).
    public static let interpolationsFile = "interpolations.png"
    /// The latent traversals grid's file name (PNG).
    public static let traversalsFile = "traversals.png"

    /// A picture written beside the page, with its layout for the row captions.
    public struct Figure {
        /// The PNG's file name in the run folder.
        public var file: String
        /// Which picture it is (samples, reconstructions, interpolations, traversals).
        public var picture: LatentPicture
        /// The grid's layout: rows, columns and a caption per row.
        public var grid: LabelledGrid
    }

    /// Writes the four picture grids of an image model into `dir` (scale: pixels per image pixel).
    public static func writePictures(_ model: RateDistortionAutoencoder, test: Dataset, seed: UInt64, scale: Int,
                                     into dir: URL) throws -> [Figure] {
        guard test.isImage else { return [] }
        let shape = model.config.exampleShape
        let pictures: [(String, LatentPicture)] = [
            (TrainingRun.samplesFile, LatentPictures.samples(model, seed: seed)),
            (TrainingRun.reconstructionsFile, LatentPictures.reconstructions(model, data: test, seed: seed)),
            (interpolationsFile, LatentPictures.interpolations(model, data: test, seed: seed)),
            (traversalsFile, LatentPictures.traversals(model, data: test, seed: seed)),
        ]
        return try pictures.map { file, p in
            Figure(file: file, picture: p, grid: try p.write(to: dir.appendingPathComponent(file), shape: shape, scale: scale))
        }
    }

    /// Writes `samples-epoch-<epoch>.png`: the sample grid with the noise of `seed` (the same
    /// draws every epoch, so that a user can watch them improve).
    public static func writeEpochSamples(_ model: RateDistortionAutoencoder, epoch: Int, seed: UInt64, scale: Int, into dir: URL) throws {
        try LatentPictures.samples(model, count: 32, seed: seed)
            .write(to: dir.appendingPathComponent("samples-epoch-\(epoch).png"), shape: model.config.exampleShape, scale: scale)
    }

    /// The `samples-epoch-<E>.png` files in `dir`, by epoch.
    static func epochSampleFiles(_ dir: URL) -> [(epoch: Int, file: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.compactMap { name -> (epoch: Int, file: String)? in
            guard name.hasPrefix("samples-epoch-"), name.hasSuffix(".png"),
                  let e = Int(name.dropFirst("samples-epoch-".count).dropLast(4)) else { return nil }
            return (e, name)
        }.sorted { $0.epoch < $1.epoch }
    }

    /// Writes the charts and `report.html` of the run in `dir`, showing `figures` and
    /// `evaluation` (read from the folder's eval.json when nil).
    public static func write(dir: URL, figures: [Figure], evaluation: EvaluationReport? = nil) throws {
        let record = try readRecord(dir)
        let report = try evaluation ?? JSONDecoder().decode(EvaluationReport.self, from: try read(dir, TrainingRun.evalFile))
        let config = record.config
        let title = "\(config.arch.rawValue) RDA on \(config.data), lambda \(formatNumber(config.lambda))"
        var page = HTMLPage(title: title)
        page.paragraph("Run folder \(dir.path). Rates in nats per example (bits = nats / ln 2); distortion \(config.distortion.rawValue), summed over dimensions, per example; test split.", note: true)

        page.heading("Evaluation (\(report.split) split, \(report.examples) examples)")
        page.table(header: ["term", "nats", "bits", "note"], rows: evaluationRows(report))

        let metricsURL = dir.appendingPathComponent(TrainingRun.metricsFile)
        if FileManager.default.fileExists(atPath: metricsURL.path) {
            let history = TrainingChart.History(try EpochMetrics.read(from: metricsURL))
            try TrainingChart(title: "Training: \(title)", history: history,
                              distortionLabel: "distortion (\(config.distortion.rawValue), per example)")
                .write(to: dir.appendingPathComponent(trainingChart))
            page.heading("Training curves")
            page.figure(trainingChart, caption: "Per epoch: the training mean (solid) and the test figure (dashed), and the learning rate.", alt: "training curves")
            if let time = TrainingTime.read(metrics: metricsURL) { page.paragraph(time.sentence, note: true) }
        }

        if let perDim = report.ratePerDimNats {
            let labels = report.figures.ratePerDimension
            try ratePerDimensionChart(perDim, bound: report.boundRatePerComponentNats, title: title, series: labels.series)
                .write(to: dir.appendingPathComponent(ratePerDimChart))
            page.heading("Rate per latent dimension")
            let active = perDim.filter { $0 > 0.05 }.count
            page.figure(ratePerDimChart, caption: labels.caption + ", largest first (labels: dimension index). \(active) of \(perDim.count) dimensions carry more than 0.05 nats; the rest have collapsed to the prior." + (report.psnrDb != nil ? " Averaged over all \(report.examples) \(report.split) examples; the traversals below rank dimensions on the first 1,000 only, so close ones may swap places there." : "") + (report.boundRatePerComponentNats != nil ? " Dashed outlines: Shannon's reverse water-filling gives component i the rate 1/2 ln(v_i / min(theta, v_i)), theta = 1/(2 lambda)." : ""), alt: "rate per latent dimension")
        }

        if !figures.isEmpty {
            page.heading("Pictures")
            for f in figures {
                // The PNG carries its own title and row and column captions.
                page.picture(f.file, width: f.grid.width, height: f.grid.height, caption: f.picture.caption, alt: f.file)
            }
        }

        let epochSamples = epochSampleFiles(dir)
        if !epochSamples.isEmpty {
            page.heading("Samples during training")
            for (epoch, file) in epochSamples {
                page.figure(file, caption: "After epoch \(epoch): the same 32 draws from the prior, decoded.", alt: file)
            }
        }

        page.heading("Configuration")
        page.table(header: ["setting", "value"], rows: try configurationRows(record))
        try page.write(to: dir.appendingPathComponent(file))
    }

    /// Regenerates the charts, pictures (when the model and its data load) and page of the run in
    /// `dir`, as `rda report DIR` does for folders written before reports existed.
    public static func rebuild(dir: URL, scale: Int = 2, seed: UInt64 = 0) throws {
        let record = try readRecord(dir)
        var figures: [Figure] = []
        let modelURL = dir.appendingPathComponent(Checkpoint.fileName)
        if FileManager.default.fileExists(atPath: modelURL.path) {
            let model = try Checkpoint.load(modelURL.path)
            let r = record.request
            let test = try DataSource.parse(r.data).load(split: .test, dataDir: r.dataDir, examples: r.examples,
                                                         testExamples: r.testExamples, dataSeed: r.dataSeed, imageOptions: r.imageOptions)
            figures = try writePictures(model, test: test, seed: seed, scale: scale, into: dir)
        }
        try write(dir: dir, figures: figures)
    }

    /// The rate per latent dimension, sorted, beside the bound's per-component rates (sorted too);
    /// `quantized`: the rates are -ln P(z~_k) of the quantized channel, not closed-form KLs.
    public static func ratePerDimensionChart(_ perDim: [Double], bound: [Double]?, title: String,
                                             series: String) -> BarChart {
        let order = perDim.indices.sorted { perDim[$0] > perDim[$1] }
        var chart = BarChart(title: "Rate per latent dimension",
                             subtitle: "\(title) · total \(formatNumber((perDim.reduce(0, +) * 1000).rounded() / 1000)) nats",
                             xLabel: "latent dimension (index), largest rate first", yLabel: "rate (nats per example)",
                             secondaryYLabel: "rate (bits)",
                             categories: order.map { String($0) })
        chart.series.append(.init(name: series, values: order.map { perDim[$0] }, colorIndex: 0))
        if let bound {
            chart.series.append(.init(name: "bound: water-filling rate of the source component (sorted)",
                                      values: bound.sorted(by: >), colorIndex: 1, hollow: true))
        }
        return chart
    }

    /// The run's `run.json` record, or a one-line error naming the file.
    static func readRecord(_ dir: URL) throws -> TrainingRun.Record {
        do {
            return try JSONDecoder().decode(TrainingRun.Record.self, from: try read(dir, TrainingRun.runFile))
        } catch let error as RDAError {
            throw error
        } catch {
            throw RDAError("\(dir.appendingPathComponent(TrainingRun.runFile).path) is unreadable (\(error)); was it written by another version of rda? Train the run again")
        }
    }

    static func read(_ dir: URL, _ name: String) throws -> Data {
        let url = dir.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RDAError("\(url.path) is missing: \(dir.path) is not a finished run folder (it needs run.json and eval.json)")
        }
        return data
    }

    static func n(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }

    /// Every term of the evaluation, nats and bits where the term is in nats.
    static func evaluationRows(_ r: EvaluationReport) -> [[String]] {
        let f = r.figures
        var rows: [[String]] = [[f.rateLabel, n(r.rateNats), n(r.rateBits), f.rateNote]] + f.rateRows
        rows += [
            ["distortion (evaluation channel)", n(r.distortion), "", "\(r.distortionKind), \(f.evaluationLatent.formula)"],
            ["distortion (noiseless latent)", n(r.distortionMeanLatent), "", "\(r.distortionKind), \(f.noiselessLatent)"],
            ["lambda * distortion", n(r.lambda * r.distortion), n(r.lambda * r.distortion / M_LN2), "lambda = \(formatNumber(r.lambda))"],
            ["objective", n(r.objective) + " ± " + n(r.objectiveStderr), n(r.objective / M_LN2), "rate + lambda * distortion"],
        ]
        rows += f.reportRows
        rows += [
            ["negative ELBO", n(r.nelboNats), n(r.nelboNats / M_LN2), "\(n(r.bitsPerDim)) bits per dimension" + (r.bitsPerDim8bit.map { "; with 8-bit pixels \(n($0)) bits per dimension" } ?? "")],
            ["MSE per dimension", n(r.msePerDim, 6), "", r.psnrDb.map { "PSNR \(n($0, 2)) dB" } ?? ""],
        ]
        if let b = r.bound {
            rows.append(["bound: rate", n(b.rateNats), n(b.rateNats / M_LN2), "Shannon R(D), reverse water-filling"])
            rows.append(["bound: distortion", n(b.distortion), "", ""])
            rows.append(["bound: objective", n(b.objective), n(b.objective / M_LN2), String(format: "model is %+.2f%% above", 100 * (r.objective / b.objective - 1))])
        }
        return rows
    }

    /// The run's configuration, options and request as setting/value rows.
    static func configurationRows(_ record: TrainingRun.Record) throws -> [[String]] {
        var rows: [[String]] = []
        for (prefix, value) in [("model", try JSONEncoder.sorted.encode(record.config)),
                                ("training", try JSONEncoder.sorted.encode(record.options))] {
            guard let object = try JSONSerialization.jsonObject(with: value) as? [String: Any] else { continue }
            for key in object.keys.sorted() {
                let v = object[key]!
                let text: String
                if let data = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]) {
                    text = String(decoding: data, as: UTF8.self)
                } else {
                    text = "\(v)"
                }
                rows.append(["\(prefix).\(key)", text])
            }
        }
        return rows
    }
}
