import ArgumentParser
import Foundation
import RDACoding
import RDACore
import RDAIO
import RDAModel

/// What `compress --lossless` and the decompression of a bits-back file report (`--json`: one
/// object with these keys).
struct LosslessSummary: CommandSummary {
    var images: Int
    var fileBytes: Int
    /// The whole file, per dimension (8-bit value).
    var bitsPerDim: Double
    /// The chain's initial bits (in the file, counted in `bitsPerDim`).
    var initialBits: Int
    /// The model's negative ELBO of the same images (KL + -ln p(y|z) at the coded z), per dimension; compress only.
    var nelboBitsPerDim: Double?
    var klBitsPerDim: Double?
    var seconds: Double
    /// The part of `seconds` spent in the encoder and decoder networks (the rest: tables and the stack).
    var networkSeconds: Double
    var imagesPerSec: Double

    enum CodingKeys: String, CodingKey {
        case images, seconds, networkSeconds = "network_seconds"
        case fileBytes = "file_bytes", bitsPerDim = "bits_per_dim", initialBits = "initial_bits"
        case nelboBitsPerDim = "nelbo_bits_per_dim", klBitsPerDim = "kl_bits_per_dim", imagesPerSec = "images_per_sec"
    }

    var line: String {
        var s = "\(images) images, \(fileBytes) bytes: " + String(format: "%.4f bits/dim (initial bits %d)", bitsPerDim, initialBits)
        if let n = nelboBitsPerDim, let k = klBitsPerDim {
            s += String(format: ", model -ELBO %.4f bits/dim (KL %.4f), file/-ELBO %+.2f%%", n, k, 100 * (bitsPerDim / n - 1))
        }
        return s + String(format: ", %.2f s (%.1f images/s, %.0f%% in the networks)", seconds, imagesPerSec, 100 * networkSeconds / Swift.max(seconds, 1e-9))
    }
}

/// `rda compress --lossless` and `rda decompress` of a bits-back file (docs/bits-back.md).
enum LosslessCoding {
    /// Compresses the examples `compress` names with bits-back coding.
    static func compress(_ c: Compress) throws {
        let m = try c.inputs.model()
        _ = try BitsBack.channel(m)
        try BitsBack.requireDeterministicProducts()
        let examples: Tensor
        if !c.image.isEmpty, m.config.arch == .spatial, c.inputs.dataOptions.data == nil {   // any size (CompressLosslessImages.swift)
            return try LosslessImageCoding.compress(c, model: m)
        }
        if !c.image.isEmpty {
            guard c.inputs.dataOptions.data == nil else { throw RDAError("give either --data or --image, not both") }
            examples = try ImageInput.read(c.image, shape: m.config.exampleShape)
        } else {
            let (_, data) = try c.inputs.data(for: m, c.split)
            examples = data.examples.slice(0..<Swift.min(c.count ?? data.count, data.count))
        }
        let start = Date(), clock = BitsBack.Clock()
        let (file, stats) = try BitsBack.compress(m, examples: examples, clock: clock)
        let seconds = Date().timeIntervalSince(start)
        try AtomicFile.write(file.bytes, to: URL(fileURLWithPath: c.out))
        let dims = Double(file.count * m.config.dimensions)
        try LosslessSummary(images: file.count, fileBytes: file.fileBytes, bitsPerDim: Double(8 * file.fileBytes) / dims,
                            initialBits: (BitsBack.Parameters(latentDim: m.config.latentShape.count).initialWords + 2) * 32,
                            nelboBitsPerDim: stats.nelboBits / dims, klBitsPerDim: stats.klNats / M_LN2 / dims,
                            seconds: seconds, networkSeconds: clock.networkSeconds,
                            imagesPerSec: Double(file.count) / Swift.max(seconds, 1e-9)).print(json: c.json)
    }

    /// Decodes `path` when it is a bits-back file, writing `out` only once every image is back
    /// and checked; false (nothing done) for files of other methods.
    static func decompressIfBitsBack(_ path: String, model: ModelOption, out: String, json: Bool) throws -> Bool {
        let compressed: CompressedFile
        do { compressed = try CompressedFile(contentsOfFile: path) } catch { throw RDAError("\(error)") }
        guard compressed.method == .bitsBack else { return false }
        try BitsBack.requireDeterministicProducts()
        let m = try model.load()
        do { try compressed.check(fingerprint: m.fingerprint) } catch { throw RDAError("\(path): \(error)") }
        if ImageCodec.holdsImages(compressed) {   // images of any size (CompressLosslessImages.swift)
            do { try LosslessImageCoding.decompress(compressed, model: m, out: out, json: json) } catch let e as RDAError { throw RDAError("\(path): \(e.raw)") }
            return true
        }
        let shape = m.config.exampleShape
        let kind = try outputKind(out, shape: shape, count: compressed.count)
        let start = Date(), clock = BitsBack.Clock()
        let levels = try BitsBack.decompress(m, file: compressed, clock: clock)
        let seconds = Date().timeIntervalSince(start)
        try write(levels, shape: shape, count: compressed.count, kind: kind, to: out)
        try LosslessSummary(images: compressed.count, fileBytes: compressed.fileBytes,
                            bitsPerDim: Double(8 * compressed.fileBytes) / Double(compressed.count * m.config.dimensions),
                            initialBits: ((BitsBack.Parameters(bytes: compressed.parameters)?.initialWords ?? 0) + 2) * 32,
                            nelboBitsPerDim: nil, klBitsPerDim: nil,
                            seconds: seconds, networkSeconds: clock.networkSeconds,
                            imagesPerSec: Double(compressed.count) / Swift.max(seconds, 1e-9)).print(json: json)
        return true
    }

    enum OutputKind { case folder, png, idx }

    /// The output `out` names, refused before anything is decoded when it cannot hold the images.
    static func outputKind(_ out: String, shape: [Int], count: Int) throws -> OutputKind {
        let lower = out.lowercased()
        if lower.hasSuffix(".idx") || lower.hasSuffix("-ubyte") { return .idx }
        guard DecodedOutput.isImage(shape) else {
            throw RDAError("--out \(out): PNG files need grey or RGB images; this model's examples have shape \(shape) (use FILE.idx)")
        }
        if lower.hasSuffix(".png") {
            guard count == 1 else { throw RDAError("--out \(out): the file holds \(count) images; give a folder (one PNG per image) or FILE.idx") }
            return .png
        }
        guard DecodedOutput.isFolder(out) else {
            throw RDAError("--out \(out): give a folder (ending in / or existing: one PNG per image), FILE.png (one image) or FILE.idx (IDX, as MNIST's files)")
        }
        try DecodedFolder.check(URL(fileURLWithPath: out))
        return .folder
    }

    /// Image i's pixels interleaved (PNG order) from the channel-planar levels.
    static func interleaved(_ levels: [UInt8], image i: Int, shape: [Int]) -> [UInt8] {
        let c = shape[0], plane = shape[1] * shape[2], base = i * c * plane
        var out = [UInt8](repeating: 0, count: c * plane)
        for p in 0..<plane { for ch in 0..<c { out[p * c + ch] = levels[base + ch * plane + p] } }
        return out
    }

    static func write(_ levels: [UInt8], shape: [Int], count: Int, kind: OutputKind, to out: String) throws {
        let url = URL(fileURLWithPath: out)
        switch kind {
        case .idx:
            // IDX3 [N, H, W] for grey images (byte for byte MNIST's), IDX4 [N, H, W, C] otherwise; [D] examples as [N, D, 1]
            let (c, h, w) = shape.count == 3 ? (shape[0], shape[1], shape[2]) : (1, shape[0], 1)
            var bytes: [UInt8] = []
            let header: [UInt32] = c == 1 ? [IDX.imagesMagic, UInt32(count), UInt32(h), UInt32(w)]
                                          : [IDX.channelImagesMagic, UInt32(count), UInt32(h), UInt32(w), UInt32(c)]
            for v in header { bytes += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
            if c == 1 { bytes += levels } else { for i in 0..<count { bytes += interleaved(levels, image: i, shape: shape) } }
            try AtomicFile.write(Data(bytes), to: url)
        case .png:
            try PNG.write(width: shape[2], height: shape[1], channels: shape[0], pixels: interleaved(levels, image: 0, shape: shape), to: url)
        case .folder:
            let width = String(count).count
            try DecodedFolder.write(to: url) { staging in
                for i in 0..<count {
                    let name = String(repeating: "0", count: width - String(i + 1).count) + String(i + 1)
                    try PNG.write(width: shape[2], height: shape[1], channels: shape[0], pixels: interleaved(levels, image: i, shape: shape),
                                  to: staging.appendingPathComponent("image-\(name).png"))
                }
            }
        }
    }
}
