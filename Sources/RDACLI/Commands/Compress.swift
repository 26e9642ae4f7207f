import ArgumentParser
import Foundation
import RDACoding
import RDACore
import RDAIO
import RDAModel

/// What `compress` and `decompress` report (`--json`: one object with these keys).
struct CodingSummary: CommandSummary {
    var images: Int
    var fileBytes: Int
    var payloadBits: Int
    var bitsPerImage: Double
    var bitsPerPixel: Double?
    var estimatedBitsPerImage: Double
    var msePerDim: Double?
    var psnrDb: Double?
    var seconds: Double
    /// The part of `seconds` spent in the entropy coder (the rest runs the network).
    var coderSeconds: Double
    var imagesPerSec: Double
    var examplesPerRecord: Int
    /// Bits of the file that are not payload (header, record lengths, padding, checksum), per example.
    /// JSON `overhead_bits_per_image` (it was `container_bits_per_image`, which `eval --json` uses
    /// for the whole file per example).
    var containerBitsPerImage: Double

    enum CodingKeys: String, CodingKey {
        case images, seconds
        case examplesPerRecord = "examples_per_record", containerBitsPerImage = "overhead_bits_per_image"
        case coderSeconds = "coder_seconds"
        case fileBytes = "file_bytes", payloadBits = "payload_bits", bitsPerImage = "bits_per_image"
        case bitsPerPixel = "bits_per_pixel", estimatedBitsPerImage = "estimated_bits_per_image"
        case msePerDim = "mse_per_dim", psnrDb = "psnr_db", imagesPerSec = "images_per_sec"
    }

    init(model: RateDistortionAutoencoder, file: CompressedFile, symbols: [[Int32]], tables: CodingTables,
         originals: Tensor?, decoded: Tensor?, isImage: Bool, seconds: Double, coderSeconds: Double) {
        let n = Swift.max(file.count, 1)
        images = file.count
        fileBytes = file.fileBytes
        payloadBits = file.payloadBits
        bitsPerImage = Double(file.fileBytes * 8) / Double(n)
        // per pixel of the image (H * W, whatever its channels: what codec users call bpp)
        let shape = model.config.exampleShape
        let pixels = shape.count == 3 ? shape[1] * shape[2] : model.config.dimensions
        bitsPerPixel = isImage ? bitsPerImage / Double(pixels) : nil
        estimatedBitsPerImage = symbols.reduce(0.0) { $0 + tables.codeLength($1) } / Double(n)
        if let originals, let decoded {
            var sq = 0.0
            for i in 0..<originals.count { let e = Double(originals.data[i] - decoded.data[i]); sq += e * e }
            let mse = sq / Double(Swift.max(originals.count, 1))
            msePerDim = mse
            psnrDb = isImage ? 10 * log10(1 / mse) : nil
        }
        self.seconds = seconds
        self.coderSeconds = coderSeconds
        imagesPerSec = Double(file.count) / Swift.max(seconds, 1e-9)
        examplesPerRecord = file.examplesPerRecord
        containerBitsPerImage = Double(file.containerBits) / Double(n)
    }

    var line: String {
        var s = "\(images) examples, \(fileBytes) bytes: " + String(format: "%.2f bits/example", bitsPerImage)
        if let b = bitsPerPixel { s += String(format: " (%.4f bits/pixel)", b) }
        s += String(format: ", payload %d bits, estimate %.2f bits/example", payloadBits, estimatedBitsPerImage)
        if let p = psnrDb { s += String(format: ", PSNR %.2f dB", p) } else if let m = msePerDim { s += String(format: ", MSE/dim %.6f", m) }
        s += String(format: ", %.2f s (%.0f examples/s, %.0f%% in the coder)", seconds, imagesPerSec, 100 * coderSeconds / Swift.max(seconds, 1e-9))
        return s
    }
}

struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Entropy code examples into one .rdac file: a quantized-channel model rounds its latents, a Gaussian-channel model sends a sample of its channel by channel simulation.",
        discussion: "Examples come from --data (the first --count of --split) or from PNG files (--image A.png B.png ...). By default each example is one record, decodable alone; --examples-per-record E codes E examples per record (a smaller file; a record is decoded whole).")

    @OptionGroup var inputs: ModelInputs
    @Option(help: "Which split the examples come from (with --data).")
    var split: Split = .test
    @Option(help: "How many examples, from the start of the split (default all).")
    var count: Int?
    @Option(parsing: .upToNextOption, help: "PNG images of the model's shape (8-bit grey or RGB, as the model's examples; RGBA: alpha ignored), instead of --data; with a spatial model, images of any size (one record each, decoded at their own size).")
    var image: [String] = []
    @Option(help: "The compressed file to write.")
    var out: String
    @Option(help: "Examples coded together in one record (one coder message): 1 lets every example be read alone; more pays the coder's termination and the record length once per group.")
    var examplesPerRecord = 1
    @OptionGroup var simulation: ChannelSimulationOptions
    @Flag(help: "Print one JSON object instead of a line.")
    var json = false
    @Flag(help: "Lossless: bits-back coding with a Gaussian-channel model of 8-bit images (with a spatial model and --image, images of any size on one chain); decompress gives back the exact pixels (docs/bits-back.md).")
    var lossless = false

    func run() throws {
        try reportingErrors {
            if let count, count < 1 { throw RDAError("--count \(count) must be at least 1") }
            if lossless { return try LosslessCoding.compress(self) }
            guard (1...CompressedFile.maximumCount).contains(examplesPerRecord) else {
                throw RDAError("--examples-per-record \(examplesPerRecord) must be 1...\(CompressedFile.maximumCount)")
            }
            let m = try inputs.model()
            let gaussian = m.bottleneck is GaussianBottleneck   // coded by channel simulation
            try simulation.check(gaussian: gaussian)
            if !gaussian { _ = try Codec.codingChannel(m) }
            if !image.isEmpty, m.config.arch == .spatial {   // images of any size (CompressImages.swift)
                guard inputs.dataOptions.data == nil else { throw RDAError("give either --data or --image, not both") }
                guard examplesPerRecord == 1 else { throw RDAError("--examples-per-record: a spatial model codes each image in its own record") }
                if gaussian { return try SimulatedImageCoding.compress(m, paths: image, out: out, options: simulation, json: json) }
                return try ImageFilesCoding.compress(m, paths: image, out: out, json: json)
            }
            let examples: Tensor, isImage: Bool
            if !image.isEmpty {
                guard inputs.dataOptions.data == nil else { throw RDAError("give either --data or --image, not both") }
                examples = try ImageInput.read(image, shape: m.config.exampleShape)
                isImage = true
            } else {
                let (_, data) = try inputs.data(for: m, split)
                let n = Swift.min(count ?? data.count, data.count)
                examples = data.examples.slice(0..<n)
                isImage = data.isImage
            }
            if gaussian {
                return try SimulatedCoding.compress(m, examples: examples, isImage: isImage, out: out, examplesPerRecord: examplesPerRecord,
                                                    options: simulation, json: json)
            }
            let tables = try Codec.codingChannel(m).codingTables
            let start = Date()
            let symbols = try Codec.symbols(m, examples: examples)
            let coding = Date()
            let file = try Codec.file(m, symbols: symbols, examplesPerRecord: examplesPerRecord)
            let seconds = Date().timeIntervalSince(start), coderSeconds = Date().timeIntervalSince(coding)
            try AtomicFile.write(file.bytes, to: URL(fileURLWithPath: out))   // one-line errors; a device is written in place
            // what the decoder will see: decode the file's own bytes
            let decoded = try Codec.reconstruct(m, symbols: try Codec.decodeSymbols(m, file: file))
            try CodingSummary(model: m, file: file, symbols: symbols, tables: tables, originals: examples, decoded: decoded,
                              isImage: isImage, seconds: seconds, coderSeconds: coderSeconds).print(json: json)
        }
    }
}

struct Decompress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a .rdac file made by rda compress: a PNG grid, one PNG per image (OUT a folder), or CSV; a lossless file: one PNG per image, FILE.png (one image) or FILE.idx (IDX).")

    @Argument(help: "The compressed file.")
    var file: String
    @OptionGroup var checkpoint: ModelOption
    @Option(help: "Output: FILE.png (a grid), a folder (one PNG per image), or FILE.csv (one row per example).")
    var out: String
    @OptionGroup var scaleOption: ScaleOption
    @Flag(help: "Print one JSON object instead of a line.")
    var json = false

    func run() throws {
        try reportingErrors {
            let scale = try scaleOption.validated()
            if try LosslessCoding.decompressIfBitsBack(file, model: checkpoint, out: out, json: json) { return }
            let m = try checkpoint.load()
            let compressed: CompressedFile
            do { compressed = try CompressedFile(contentsOfFile: file) } catch {
                throw RDAError("\(error)")   // the reader's message names the file
            }
            // the file's own name in the error: which file belongs to another model
            do { try compressed.check(fingerprint: m.fingerprint) } catch { throw RDAError("\(file): \(error)") }
            if ImageCodec.holdsImages(compressed) {   // images of any size (CompressImages.swift)
                return try ImageFilesCoding.decompress(m, compressed: compressed, fileName: (file as NSString).lastPathComponent, out: out, json: json)
            }
            try DecodedOutput.checkMemory(m.config, count: compressed.count, to: out)
            if DecodedOutput.isFolder(out) { try DecodedOutput.checkFolder(shape: m.config.exampleShape, path: out) }
            if out.lowercased().hasSuffix(".png"), !DecodedOutput.isImage(m.config.exampleShape) {
                throw RDAError("--out \(out): a PNG grid needs grey or RGB images; this model's examples have shape \(m.config.exampleShape) (use FILE.csv)")
            }
            if compressed.method == .channelSimulation {
                return try SimulatedCoding.decompress(m, file: compressed, name: file, out: out, scale: scale, json: json)
            }
            let tables = try Codec.codingChannel(m).codingTables
            let start = Date()
            let symbols = try Codec.decodeSymbols(m, file: compressed)
            let coderSeconds = Date().timeIntervalSince(start)
            let decoded = try Codec.reconstruct(m, symbols: symbols)
            let seconds = Date().timeIntervalSince(start)
            try DecodedOutput.write(decoded, shape: m.config.exampleShape, to: out, scale: scale,
                                    caption: "\(compressed.count) examples decoded from \((file as NSString).lastPathComponent)")
            try CodingSummary(model: m, file: compressed, symbols: symbols, tables: tables, originals: nil, decoded: decoded,
                              isImage: m.config.exampleShape.count == 3, seconds: seconds, coderSeconds: coderSeconds).print(json: json)
        }
    }
}

/// PNG or JPEG files (`ImageFile`) as examples of a model's shape [C, H, W] (C = 1 grey or
/// 3 RGB; pixels / 255, channel-planar).
enum ImageInput {
    static func read(_ paths: [String], shape: [Int]) throws -> Tensor {
        guard shape.count == 3, [1, 3].contains(shape[0]) else {
            throw RDAError("--image needs a model of grey or RGB images; this model's examples have shape \(shape)")
        }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let d = c * h * w
        let out = Tensor(zeros: [paths.count, d])
        for (i, path) in paths.enumerated() {
            // The size is checked from the header (at most PNG.defaultMaximumPixels) before decoding.
            let png = try ImageFile.read(path: path)
            guard png.width == w, png.height == h else {
                throw RDAError("\(path) is \(png.width)x\(png.height) but the model takes \(w)x\(h) images")
            }
            guard png.channels == c else {
                let (has, takes) = (png.channels == 1 ? "grey" : "RGB", c == 1 ? "grey" : "RGB")
                throw RDAError("\(path) is a\(has == "RGB" ? "n" : "") \(has) image but the model takes \(takes) images; convert it to \(takes)")
            }
            if png.droppedAlpha { Console.info("note: \(path): its alpha channel is ignored") }
            let values = png.planarFloats()
            (out.data + i * d).update(from: values, count: d)
        }
        return out
    }
}

/// Writes decoded examples where `decompress --out` says.
enum DecodedOutput {
    /// Refuses, before anything is decoded, a file whose declared example count needs more memory
    /// than this process may use: decoding (`MemoryEstimate.decodingBytes`) plus the output held
    /// in memory (a CSV's text, at most 16 bytes a value; a PNG grid's pixels, twice).
    static func checkMemory(_ config: ModelConfig, count: Int, to path: String) throws {
        let perValue = path.lowercased().hasSuffix(".csv") ? 16 : 2
        let output = MemoryEstimate.multiply([count, config.dimensions, perValue])
        try MemoryEstimate.require(MemoryEstimate.sum([MemoryEstimate.decodingBytes(config, count: count), output]),
                                   for: "decompressing \(count) examples to \(path)",
                                   fix: "the file declares more examples than this process can hold; split it, or check it is an rda file")
    }

    /// Whether `--out path` names a folder: it ends in / or is an existing folder.
    static func isFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return path.hasSuffix("/") || (FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue)
    }

    /// Whether examples of `shape` are grey or RGB images [C, H, W] (what PNG outputs hold).
    static func isImage(_ shape: [Int]) -> Bool { shape.count == 3 && [1, 3].contains(shape[0]) }

    /// Refuses a folder output for a model whose examples are not grey or RGB images, and a
    /// folder that holds other files (`DecodedFolder.check`).
    static func checkFolder(shape: [Int], path: String) throws {
        guard isImage(shape) else {
            throw RDAError("--out \(path): PNG files need grey or RGB images; this model's examples have shape \(shape) (use FILE.csv)")
        }
        try DecodedFolder.check(URL(fileURLWithPath: path))
    }

    static func write(_ x: Tensor, shape: [Int], to path: String, scale: Int = 2, caption: String = "") throws {
        let url = URL(fileURLWithPath: path)
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") {
            let d = x.shape[1]
            var text = ""
            for i in 0..<x.shape[0] {
                text += (0..<d).map { "\(x.data[i * d + $0])" }.joined(separator: ",") + "\n"
            }
            try AtomicFile.write(Data(text.utf8), to: url)
        } else if lower.hasSuffix(".png") {
            try DecodedGrid.write(x, shape: shape, scale: scale, caption: caption, to: url)
        } else if isFolder(path) {
            try checkFolder(shape: shape, path: path)
            let width = String(x.shape[0]).count
            try DecodedFolder.write(to: url) { staging in
                for i in 0..<x.shape[0] {
                    let name = String(repeating: "0", count: width - String(i + 1).count) + String(i + 1)
                    try PNG.write(width: shape[2], height: shape[1], channels: shape[0], pixels: Pictures.pixelBytes(x, row: i, shape: shape),
                                  to: staging.appendingPathComponent("image-\(name).png"))
                }
            }
        } else {
            throw RDAError("--out \(path): give FILE.png (a grid), FILE.csv, or a folder (ending in / or existing)")
        }
    }
}
