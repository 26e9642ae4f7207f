import ArgumentParser
import Foundation
import RDAModel
import RDACore

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decompress noise: decode draws from the prior into new examples (PNG grid, or JSON).")

    @OptionGroup var checkpoint: ModelOption
    @Option(help: "How many samples.")
    var count: Int = 64
    @Option(help: "Seed of the noise.")
    var seed: UInt64 = 0
    @Option(help: "Output file: .png (image models) or .json.")
    var out: String = "samples.png"
    @OptionGroup var scaleOption: ScaleOption
    @Option(help: "spatial models: the samples' size HxW (e.g. 64x96, multiples of 2^k; default the training size).")
    var size: String?

    func run() throws {
        try reportingErrors {
            guard count >= 1 else { throw RDAError("--count \(count) must be at least 1") }
            try requireOutputExtension(out, [".png", ".json"])
            let scale = try scaleOption.validated()
            var m = try checkpoint.load()
            if let size { m = try SampleSize.resize(m, size) }
            try MemoryEstimate.require(MemoryEstimate.samplingBytes(m.config, count: count), for: "--count \(count)",
                                       fix: "ask for fewer samples")
            let columns = Int(Double(count).squareRoot().rounded(.up))
            if out.lowercased().hasSuffix(".json") {
                try write(Pictures.samples(m, count: count, seed: seed), shape: m.config.exampleShape, to: out, columns: columns)
            } else {
                try LatentPictures.samples(m, count: count, columns: columns, seed: seed)
                    .write(to: URL(fileURLWithPath: out), shape: m.config.exampleShape, scale: scale)
            }
            Console.info("wrote \(count) samples to \(out)")
        }
    }
}

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show examples next to their reconstructions: through the noisy channel and from z = mu.")

    @OptionGroup var inputs: ModelInputs
    @Option(help: "Which split the examples come from.")
    var split: Split = .test
    @Option(help: "How many examples.")
    var count: Int = 16
    @Option(help: "Seed choosing examples and channel noise.")
    var seed: UInt64 = 0
    @Option(help: "Output file: .png (image models) or .json.")
    var out: String = "reconstructions.png"
    @OptionGroup var scaleOption: ScaleOption

    func run() throws {
        try reportingErrors {
            guard count >= 1 else { throw RDAError("--count \(count) must be at least 1") }
            try requireOutputExtension(out, [".png", ".json"])
            let scale = try scaleOption.validated()
            let (m, _, data) = try inputs.load(split)
            let words = m.bottleneck.pictureWords
            if out.lowercased().hasSuffix(".json") {
                let r = Pictures.reconstructions(m, data: data, count: min(count, data.count), seed: seed)
                try Pictures.writeJSON(Tensor.concat([r.originals, r.noisy, r.mean], axis: 1), to: URL(fileURLWithPath: out))
            } else {
                try LatentPictures.reconstructions(m, data: data, count: min(count, data.count), seed: seed)
                    .write(to: URL(fileURLWithPath: out), shape: m.config.exampleShape, scale: scale)
            }
            Console.info("wrote \(min(count, data.count)) reconstructions to \(out) (each: original, \(words.channel), \(words.noiseless))")
        }
    }
}

struct Standardize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a learned-prior model to one with prior N(0, I) and the same rate and reconstructions.")

    @OptionGroup var inputs: ModelInputs
    @Option(help: "Output folder (gets model.safetensors).")
    var out: String

    func run() throws {
        try reportingErrors {
            let m = try inputs.model()
            let s = try Standardization.standardized(m)
            let alreadyStandard = Standardization.isStandard(m)
            if !alreadyStandard { checkRateKept(m, s) }
            let dir = URL(fileURLWithPath: out)
            try TrainingRun.prepare(dir)
            try Checkpoint.save(s, to: dir.appendingPathComponent(Checkpoint.fileName))
            Console.info("wrote \(dir.appendingPathComponent(Checkpoint.fileName).path) (prior N(0, I)\(alreadyStandard ? "; the model already had it" : ""))")
        }
    }
}

extension Standardize {
    /// Warns, with the size of the change, when standardizing changes the rate on (up to 2,000
    /// of) the model's test examples: where the standardized log-variance leaves the encoder's
    /// clamp range the two models are not equivalent.
    func checkRateKept(_ m: RateDistortionAutoencoder, _ s: RateDistortionAutoencoder) {
        guard let (source, data) = try? inputs.data(for: m, .test) else {
            Console.info("note: the rate was not compared on data (\(inputs.dataOptions.data ?? m.config.data) could not be loaded; pass --data)")
            return
        }
        let c = Standardization.rateChange(from: m, to: s, on: data)
        if c.maxAbs > 1e-3 {
            let range = Channel.logvarRange
            Console.info("warning: standardizing changes the rate by up to \(String(format: "%.4g", c.maxAbs)) nats (mean \(String(format: "%.4g", c.meanAbs))) on \(c.examples) test examples of \(source): the standardized log-variance leaves the clamp range [\(range.lowerBound), \(range.upperBound)] in \(c.clamped) latent values, where the two models differ")
        }
    }
}

/// Writes rows [N, D] as a PNG grid (image models) or JSON.
func write(_ x: Tensor, shape: [Int], to path: String, columns: Int) throws {
    let url = URL(fileURLWithPath: path)
    if path.lowercased().hasSuffix(".json") {
        try Pictures.writeJSON(x, to: url)
    } else {
        try Pictures.writeSheet(x, shape: shape, columns: columns, to: url)
    }
}
