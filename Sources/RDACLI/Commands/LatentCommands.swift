import ArgumentParser
import Foundation
import RDAModel

/// `--scale`: how many screen pixels each image pixel gets in a picture grid.
struct ScaleOption: ParsableArguments {
    @Option(help: "Pixels per image pixel in PNG grids (1 to 16).")
    var scale: Int = 2

    func validated() throws -> Int {
        guard (1...16).contains(scale) else { throw RDAError("--scale \(scale) must be between 1 and 16 (pixels per image pixel)") }
        return scale
    }
}

/// Refuses `--out PATH` unless it ends in one of `extensions` (".png", ".json"), before anything
/// is loaded: a picture written as PNG bytes into `s.jpg` or `r.txt` would mislead.
func requireOutputExtension(_ path: String, _ extensions: [String]) throws {
    guard extensions.contains(where: { path.lowercased().hasSuffix($0) }) else {
        throw RDAError("--out \(path): this command writes \(extensions.joined(separator: " or ")) files")
    }
}

/// Writes a labelled picture as PNG and says what its rows are.
func writePicture(_ p: LatentPicture, shape: [Int], scale: Int, to path: String) throws {
    guard path.lowercased().hasSuffix(".png") else { throw RDAError("--out \(path): pictures are written as .png files") }
    try p.write(to: URL(fileURLWithPath: path), shape: shape, scale: scale)
    Console.info("wrote \(path): \(p.caption)")
    for label in p.rowLabels.prefix(12) { Console.info("  row: \(label)") }
}

struct Interpolate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Interpolate between pairs of test examples through their latent means (PNG grid, one pair per row).")

    @OptionGroup var inputs: ModelInputs
    @Option(help: "Which split the examples come from.")
    var split: Split = .test
    @Option(help: "How many pairs (rows).")
    var pairs: Int = 6
    @Option(help: "Decoded steps from one example's mu to the other's (t = 0 ... 1).")
    var steps: Int = 9
    @Option(help: "Seed choosing the examples.")
    var seed: UInt64 = 0
    @OptionGroup var scaleOption: ScaleOption
    @Option(help: "Output PNG file.")
    var out: String = "interpolations.png"

    func run() throws {
        try reportingErrors {
            guard pairs >= 1, steps >= 2 else { throw RDAError("--pairs must be at least 1 and --steps at least 2 (got \(pairs), \(steps))") }
            try requireOutputExtension(out, [".png"])
            let scale = try scaleOption.validated()
            let (m, source, data) = try inputs.load(split)
            guard data.count >= 2 else { throw RDAError("\(source.description) has fewer than 2 examples to interpolate between") }
            // the pairs the data hold and --steps size the grid: cost it before allocating it
            try MemoryEstimate.require(MemoryEstimate.pictureBytes(m.config, rows: min(pairs, data.count / 2), columns: MemoryEstimate.sum([steps, 2]) ?? .max, scale: scale),
                                       for: "--pairs \(pairs) --steps \(steps)", fix: "ask for fewer pairs or steps")
            let p = LatentPictures.interpolations(m, data: data, pairs: min(pairs, data.count / 2), steps: steps, seed: seed)
            try writePicture(p, shape: m.config.exampleShape, scale: scale, to: out)
        }
    }
}

struct Traverse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Vary the most active latent dimensions one at a time over the prior's range (PNG grid, one dimension per row).")

    @OptionGroup var inputs: ModelInputs
    @Option(help: "Which split the example (and the activity ranking) comes from.")
    var split: Split = .test
    @Option(help: "How many dimensions (rows), most rate first.")
    var dims: Int = 8
    @Option(help: "Values per dimension, from mu_z - range * sigma_z to mu_z + range * sigma_z.")
    var steps: Int = 9
    @Option(help: "Half-width of the traversal in prior standard deviations.")
    var range: Double = 2.5
    @Option(help: "Seed choosing the example whose other dimensions stay fixed.")
    var seed: UInt64 = 0
    @OptionGroup var scaleOption: ScaleOption
    @Option(help: "Output PNG file.")
    var out: String = "traversals.png"

    func run() throws {
        try reportingErrors {
            guard dims >= 1, steps >= 2 else { throw RDAError("--dims must be at least 1 and --steps at least 2 (got \(dims), \(steps))") }
            guard range > 0, range.isFinite else { throw RDAError("--range \(range) must be a positive number of standard deviations") }
            try requireOutputExtension(out, [".png"])
            let scale = try scaleOption.validated()
            let m = try inputs.model()
            // --dims (at most K rows) and --steps size the grid: cost it before allocating anything.
            try MemoryEstimate.require(MemoryEstimate.pictureBytes(m.config, rows: min(dims, m.config.latentDim), columns: MemoryEstimate.sum([steps, 1]) ?? .max, scale: scale),
                                       for: "--dims \(dims) --steps \(steps)", fix: "ask for fewer dimensions or steps")
            let (source, data) = try inputs.data(for: m, split)
            guard data.count >= 1 else { throw RDAError("\(source.description) has no examples") }
            let p = LatentPictures.traversals(m, data: data, dims: dims, steps: steps, range: range, seed: seed)
            try writePicture(p, shape: m.config.exampleShape, scale: scale, to: out)
        }
    }
}
