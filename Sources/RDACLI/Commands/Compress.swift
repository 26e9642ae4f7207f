import ArgumentParser
import Foundation
import RDACoding
import RDACore
import RDAIO
import RDAModel

/// What `compress` and `decompress` report (`--json`: one object with these keys).
struct CodingSummary: Encodable {
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
    var containerBitsPerImage: Double

    enum CodingKeys: String, CodingKey {
        case images, seconds
        case examplesPerRecord = "examples_per_record", containerBitsPerImage = "container_bits_per_image"
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
        bitsPerPixel = isImage ? bitsPerImage / Double(model.config.dimensions) : nil
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

    func print(json: Bool) throws {
        if json { Swift.print(String(decoding: try JSONEncoder.sorted.encode(self), as: UTF8.self)) } else { Swift.print(line) }
    }
}

struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Entropy code examples with a quantized-channel model into one .rdac file.",
        discussion: "Examples come from --data (the first --count of --split) or from PNG files (--image A.png B.png ...). Each example is one independently decodable record.")

    @OptionGroup var checkpoint: ModelOption
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Which split the examples come from (with --data).")
    var split: Split = .test
    @Option(help: "How many examples, from the start of the split (default all).")
    var count: Int?
    @Option(parsing: .upToNextOption, help: "PNG images of the model's shape (8-bit grey), instead of --data.")
    var image: [String] = []
    @Option(help: "The compressed file to write.")
    var out: String
    @Option(help: "Examples coded together in one record (one coder message): 1 lets every example be read alone; more pays the coder's termination and the record length once per group.")
    var examplesPerRecord = 1
    @Flag(help: "Print one JSON object instead of a line.")
    var json = false

    func run() throws {
        try reportingErrors {
            if let count, count < 1 { throw RDAError("--count \(count) must be at least 1") }
            guard (1...CompressedFile.maximumCount).contains(examplesPerRecord) else {
                throw RDAError("--examples-per-record \(examplesPerRecord) must be 1...\(CompressedFile.maximumCount)")
            }
            let m = try checkpoint.load()
            let tables = try Codec.quantizedBottleneck(m).codingTables
            let examples: Tensor, isImage: Bool
            if !image.isEmpty {
                guard dataOptions.data == nil else { throw RDAError("give either --data or --image, not both") }
                examples = try ImageInput.read(image, shape: m.config.exampleShape)
                isImage = true
            } else {
                let (source, data) = try dataOptions.load(split, default: m.config.data)
                try m.checkFits(data, name: source.description)
                let n = Swift.min(count ?? data.count, data.count)
                examples = data.examples.slice(0..<n)
                isImage = data.isImage
            }
            let start = Date()
            let symbols = try Codec.symbols(m, examples: examples)
            let coding = Date()
            let file = try Codec.file(m, symbols: symbols, examplesPerRecord: examplesPerRecord)
            let seconds = Date().timeIntervalSince(start), coderSeconds = Date().timeIntervalSince(coding)
            try AtomicFile.write(file.bytes, to: URL(fileURLWithPath: out))   // one-line errors; a device is written in place
            // what the decoder will see: decode the file's own bytes
            let decoded = Codec.reconstruct(m, symbols: try Codec.decodeSymbols(m, file: file))
            try CodingSummary(model: m, file: file, symbols: symbols, tables: tables, originals: examples, decoded: decoded,
                              isImage: isImage, seconds: seconds, coderSeconds: coderSeconds).print(json: json)
        }
    }
}

struct Decompress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a .rdac file made by rda compress: a PNG grid, one PNG per image (OUT a folder), or CSV.")

    @Argument(help: "The compressed file.")
    var file: String
    @OptionGroup var checkpoint: ModelOption
    @Option(help: "Output: FILE.png (a grid), a folder (one PNG per image), or FILE.csv (one row per example).")
    var out: String
    @Flag(help: "Print one JSON object instead of a line.")
    var json = false

    func run() throws {
        try reportingErrors {
            let m = try checkpoint.load()
            let tables = try Codec.quantizedBottleneck(m).codingTables
            let compressed: CompressedFile
            do { compressed = try CompressedFile(contentsOfFile: file) } catch {
                throw RDAError("\(error)")   // the reader's message names the file
            }
            // the file's own name in the error: which file belongs to another model
            do { try compressed.check(fingerprint: m.fingerprint) } catch { throw RDAError("\(file): \(error)") }
            try DecodedOutput.checkMemory(m.config, count: compressed.count, to: out)
            if DecodedOutput.isFolder(out) { try DecodedOutput.checkFolder(shape: m.config.exampleShape, path: out) }
            if out.lowercased().hasSuffix(".png"), !DecodedOutput.isGreyscale(m.config.exampleShape) {
                throw RDAError("--out \(out): a PNG grid needs greyscale images; this model's examples have shape \(m.config.exampleShape) (use FILE.csv)")
            }
            let start = Date()
            let symbols = try Codec.decodeSymbols(m, file: compressed)
            let coderSeconds = Date().timeIntervalSince(start)
            let decoded = Codec.reconstruct(m, symbols: symbols)
            let seconds = Date().timeIntervalSince(start)
            try DecodedOutput.write(decoded, shape: m.config.exampleShape, to: out)
            try CodingSummary(model: m, file: compressed, symbols: symbols, tables: tables, originals: nil, decoded: decoded,
                              isImage: m.config.exampleShape.count == 3, seconds: seconds, coderSeconds: coderSeconds).print(json: json)
        }
    }
}

/// PNG files as examples of a model's shape [1, H, W] (pixels / 255).
enum ImageInput {
    static func read(_ paths: [String], shape: [Int]) throws -> Tensor {
        guard shape.count == 3, shape[0] == 1 else {
            throw RDAError("--image needs a model of greyscale images; this model's examples have shape \(shape)")
        }
        let (h, w) = (shape[1], shape[2])
        let out = Tensor(zeros: [paths.count, h * w])
        for (i, path) in paths.enumerated() {
            // The size is checked from the header, before the image data is inflated.
            let png = try PNG.read(from: URL(fileURLWithPath: path), expectedSize: (width: w, height: h))
            guard png.width == w, png.height == h else {
                throw RDAError("\(path) is \(png.width)x\(png.height) but the model takes \(w)x\(h) images")
            }
            guard png.channels == 1 else {
                throw RDAError("\(path) has \(png.channels) channels but the model takes greyscale images; convert it to 8-bit grey")
            }
            for j in 0..<(h * w) { out.data[i * h * w + j] = Float(png.pixels[j]) / 255 }
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

    /// Refuses a folder output for a model whose examples are not greyscale images, and a folder
    /// that holds other files (`DecodedFolder.check`).
    /// Whether examples of `shape` are greyscale images [1, H, W] (what PNG outputs hold).
    static func isGreyscale(_ shape: [Int]) -> Bool { shape.count == 3 && shape[0] == 1 }

    static func checkFolder(shape: [Int], path: String) throws {
        guard isGreyscale(shape) else {
            throw RDAError("--out \(path): PNG files need greyscale images; this model's examples have shape \(shape) (use FILE.csv)")
        }
        try DecodedFolder.check(URL(fileURLWithPath: path))
    }

    static func write(_ x: Tensor, shape: [Int], to path: String) throws {
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
            try Pictures.writeSheet(x, shape: shape, columns: Int(Double(x.shape[0]).squareRoot().rounded(.up)), to: url)
        } else if isFolder(path) {
            try checkFolder(shape: shape, path: path)
            let d = x.shape[1]
            let width = String(x.shape[0]).count
            try DecodedFolder.write(to: url) { staging in
                for i in 0..<x.shape[0] {
                    let name = String(repeating: "0", count: width - String(i + 1).count) + String(i + 1)
                    let pixels = (0..<d).map { ImageGrid.byte(x.data[i * d + $0]) }
                    try PNG.writeGray(width: shape[2], height: shape[1], pixels: pixels, to: staging.appendingPathComponent("image-\(name).png"))
                }
            }
        } else {
            throw RDAError("--out \(path): give FILE.png (a grid), FILE.csv, or a folder (ending in / or existing)")
        }
    }
}
