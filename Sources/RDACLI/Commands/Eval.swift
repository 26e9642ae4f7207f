import ArgumentParser
import Foundation
import RDAIO
import RDAModel

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained model: rate, distortion, objective, MI estimate, VAE reading, bound.")

    @OptionGroup var inputs: ModelInputs

    @Option(help: "Which split: train or test.")
    var split: Split = .test

    @Option(help: "Seed of the channel noise.")
    var seed: UInt64 = 0

    @Option(help: "Examples used by the mutual-information estimate (it is bounded by ln of this).")
    var miExamples: Int = 10_000

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "spatial quantized models: code every test image (or --image file) to real bytes and report bpp, estimated bpp, PSNR and coding times per image (JSON: bpp, psnr_rgb, encoding_time, decoding_time).")
    var perImage = false

    @Option(parsing: .upToNextOption, help: "With --per-image: PNG or JPEG images of any size to code instead of the test split (an images: folder's test images are coded whole, at their own sizes).")
    var image: [String] = []

    func run() throws {
        try reportingErrors {
            if perImage || !image.isEmpty {   // images coded one by one (EvalImages.swift)
                guard perImage else { throw RDAError("--image goes with --per-image") }
                let m = try inputs.model()
                let (images, names) = try EvalImages.images(m, paths: image, split: split, folder: { try inputs.imageFolder(for: m) }) { try inputs.data(for: m, split).data }
                return try EvalImages.run(m, images: images, names: names, json: json)
            }
            guard miExamples >= 1 else { throw RDAError("--mi-examples \(miExamples) must be at least 1") }
            guard miExamples <= MutualInformation.maximumExamples else {
                throw RDAError("--mi-examples \(miExamples): at most \(MutualInformation.maximumExamples) (the estimate's cost grows with the square of M)")
            }
            let (m, source, data) = try inputs.load(split)
            let report = try Evaluator.evaluate(model: m, data: data, split: split, dataName: source.description, seed: seed,
                                                miExamples: miExamples, bound: source.exactBound(distortion: m.config.distortion))
            print(json ? String(decoding: try JSONEncoder.sorted.encodeFinite(report), as: UTF8.self) : try EvalFormatting.summary(report))
        }
    }
}

/// A person-readable table of an evaluation.
enum EvalFormatting {
    static func summary(_ r: EvaluationReport) throws -> String {
        let f = r.figures
        var lines = ["\(r.data) \(r.split) (\(r.examples) examples), \(r.distortionKind), lambda \(formatNumber(r.lambda)), \(r.channel.kind) channel"]
        lines.append(String(format: "  rate        %.4f nats  (%.4f bits)", r.rateNats, r.rateBits) + f.rateLineSuffix)
        lines += f.rateLines
        lines += [
            String(format: "  distortion  %.4f  (%@)   %.4f (%@)", r.distortion, f.evaluationLatent.short, r.distortionMeanLatent, f.noiselessLatent),
            String(format: "  objective   %.4f ± %.4f", r.objective, r.objectiveStderr),
            String(format: "  MSE/dim     %.6f%@", r.msePerDim, r.psnrDb.map { String(format: "   PSNR %.2f dB", $0) } ?? ""),
        ]
        lines += f.summaryLines
        lines.append(String(format: "  NELBO       %.4f nats  (%.4f bits/dim)%@", r.nelboNats, r.bitsPerDim,
                            r.bitsPerDim8bit.map { String(format: "   8-bit pixels: %.4f bits/dim", $0) } ?? ""))
        if let b = r.bound {
            lines.append(String(format: "  bound       rate %.4f  distortion %.4f  objective %.4f   (model is %+.2f%%)%@", b.rateNats, b.distortion, b.objective, 100 * (r.objective / b.objective - 1), b.kind.map { ", exact \($0) R(D)" } ?? ""))
        } else if let note = r.boundNote {
            lines.append("  bound       none: \(note)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `--model`: the trained model a command reads (eval, sample, reconstruct, standardize).
struct ModelOption: ParsableArguments {
    @Option(help: "A run folder or its model.safetensors.")
    var model: String

    func load() throws -> RateDistortionAutoencoder { try Checkpoint.load(model) }
}
