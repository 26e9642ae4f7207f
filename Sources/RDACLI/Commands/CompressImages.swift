import Foundation
import RDACoding
import RDACore
import RDAIO
import RDAModel

/// Image files of any size as [C, H, W] tensors of a model's channel count: the one place
/// `compress --image` and `eval --image` read images (PNG today; swap in another reader here).
enum AnySizeImageInput {
    /// `path` (PNG of any colour type, or JPEG: `ImageFile.read`) as [channels, H, W] values in
    /// [0, 1]: grey images are repeated into RGB, RGB images turned grey by BT.601 luma for a
    /// grey model (`PNGImage.converted(toChannels:)`).
    static func read(_ path: String, channels: Int) throws -> Tensor {
        guard [1, 3].contains(channels) else {
            throw RDAError("--image needs a model of grey or RGB images; this model's images have \(channels) channels")
        }
        let image = try ImageFile.read(path: path, maximumPixels: ImageCodec.maximumPixels)
        if image.droppedAlpha { Console.info("note: \(path): its alpha channel is ignored") }
        let values = image.planarFloats(channels: channels)
        let out = Tensor(zeros: [channels, image.height, image.width])
        out.data.update(from: values, count: values.count)
        return out
    }
}

/// What `compress --image` and `decompress` of images of any size report (`--json`: one object).
struct ImageCodingSummary: CommandSummary {
    /// One image's figures, under the names codec users know.
    struct PerImage: Encodable {
        var name: String
        var width: Int, height: Int
        var bytes: Int
        var bpp: Double
        var estimatedBpp: Double?
        var psnrRgb: Double?
        var encodingTime: Double?
        var decodingTime: Double?
        enum CodingKeys: String, CodingKey {
            case name, width, height, bytes, bpp
            case estimatedBpp = "estimated_bpp", psnrRgb = "psnr_rgb", encodingTime = "encoding_time", decodingTime = "decoding_time"
        }
    }
    var images: Int
    var pixels: Int
    var fileBytes: Int
    var bpp: Double
    var estimatedBpp: Double?
    var psnrRgb: Double?
    var seconds: Double
    var megapixelsPerSec: Double
    var perImage: [PerImage]
    /// Channel-simulated files: how the plan coded them.
    var channelSimulation: SimulatedImageFigures?

    enum CodingKeys: String, CodingKey {
        case images, pixels, bpp, seconds
        case fileBytes = "file_bytes", estimatedBpp = "estimated_bpp", psnrRgb = "psnr_rgb"
        case megapixelsPerSec = "megapixels_per_sec", perImage = "per_image", channelSimulation = "channel_simulation"
    }

    /// The figures of `file`: per image its record's bytes (plus its share of the container) and
    /// `estimatedBits` (the entropy coder's estimate, or a channel simulation's KL; none when
    /// decoding a channel-simulated file); PSNR over 8-bit values when `originals` are given.
    init(file: CompressedFile, names: [String], decoded: [Tensor], estimatedBits: [Double]?, originals: [Tensor]?,
         seconds: Double, encodingTimes: [Double]?, decodingTimes: [Double]?, channelSimulation: SimulatedImageFigures? = nil) {
        images = decoded.count
        pixels = decoded.reduce(0) { $0 + $1.shape[1] * $1.shape[2] }
        fileBytes = file.fileBytes
        bpp = ImageQuality.bitsPerPixel(bits: Double(8 * file.fileBytes), pixels: pixels)
        let allPixels = pixels
        estimatedBpp = estimatedBits.map { ImageQuality.bitsPerPixel(bits: $0.reduce(0, +), pixels: allPixels) }
        let overhead = Double(file.containerBits) / Double(Swift.max(images, 1))
        var sq = 0.0, values = 0
        perImage = decoded.indices.map { i in
            let (h, w) = (decoded[i].shape[1], decoded[i].shape[2])
            var psnr: Double?
            if let originals {
                let e = ImageQuality.squaredError8Bit(originals[i].data, decoded[i].data, count: decoded[i].count)
                sq += e; values += decoded[i].count
                psnr = ImageQuality.psnr8Bit(squaredError: e, values: decoded[i].count)
            }
            let bits = Double(file.recordBitCount(i)) + overhead
            return PerImage(name: names[i], width: w, height: h, bytes: Int((bits / 8).rounded(.up)),
                            bpp: ImageQuality.bitsPerPixel(bits: bits, pixels: h * w),
                            estimatedBpp: estimatedBits.map { ImageQuality.bitsPerPixel(bits: $0[i], pixels: h * w) }, psnrRgb: psnr,
                            encodingTime: encodingTimes?[i], decodingTime: decodingTimes?[i])
        }
        psnrRgb = originals == nil ? nil : ImageQuality.psnr8Bit(squaredError: sq, values: values)
        self.seconds = seconds
        megapixelsPerSec = Double(pixels) / 1e6 / Swift.max(seconds, 1e-9)
        self.channelSimulation = channelSimulation
    }

    var line: String {
        var s = "\(images) image\(images == 1 ? "" : "s"), \(pixels) pixels, \(fileBytes) bytes: " + String(format: "%.4f bpp", bpp)
        if let e = estimatedBpp { s += String(format: channelSimulation == nil ? " (estimate %.4f)" : " (KL %.4f)", e) }
        if let c = channelSimulation { s += ", " + c.line }
        if let p = psnrRgb { s += String(format: ", PSNR %.2f dB", p) }
        s += String(format: ", %.2f s (%.3f megapixels/s)", seconds, megapixelsPerSec)
        return s
    }
}

/// `rda compress --image` and `rda decompress` with a `spatial` model: images of any size.
enum ImageFilesCoding {
    /// Codes `paths` into `out` and reports what the decoder will see (the file's own bytes decoded).
    static func compress(_ model: RateDistortionAutoencoder, paths: [String], out: String, json: Bool) throws {
        _ = try Codec.codingChannel(model)
        let c = model.config.exampleShape[0]
        let images = try paths.map { try AnySizeImageInput.read($0, channels: c) }
        let start = Date()
        var coded: [ImageCodec.Coded] = [], times: [Double] = []
        for image in images {
            let t = Date()
            coded += try ImageCodec.encode(model, images: [image])
            times.append(Date().timeIntervalSince(t))
        }
        let fingerprint = model.fingerprint
        let file = try ImageCodec.file(model, coded: coded, fingerprint: fingerprint)
        let seconds = Date().timeIntervalSince(start)
        try AtomicFile.write(file.bytes, to: URL(fileURLWithPath: out))
        let decoded = try ImageCodec.decode(model, file: file, fingerprint: fingerprint)
        try ImageCodingSummary(file: file, names: paths, decoded: decoded.map(\.image), estimatedBits: coded.map(\.estimatedBits),
                               originals: images, seconds: seconds, encodingTimes: times, decodingTimes: nil).print(json: json)
    }

    /// Decodes `compressed` (a file of images) into `out`: a folder of `image-N.png` files, or
    /// one PNG when the file holds one image; each at its original size. Channel-simulated files
    /// go to `SimulatedImageCoding`.
    static func decompress(_ model: RateDistortionAutoencoder, compressed: CompressedFile, fileName: String, out: String, json: Bool) throws {
        if ImageChannelSimulation.holds(compressed) {
            return try SimulatedImageCoding.decompress(model, compressed: compressed, fileName: fileName, out: out, json: json)
        }
        try checkOutput(out, count: compressed.count)
        let start = Date()
        let decoded = try ImageCodec.decode(model, file: compressed)
        let seconds = Date().timeIntervalSince(start)
        try write(decoded.map(\.image), channels: model.config.exampleShape[0], to: out)
        let names = decoded.indices.map { "\(fileName)#\($0 + 1)" }
        let estimated = try decoded.map { d -> Double in
            let sized = try model.resized(height: ImageCodec.paddedSide(d.image.shape[1], model), width: ImageCodec.paddedSide(d.image.shape[2], model))
            return try Codec.codingChannel(sized).codingTables.codeLength(d.symbols)
        }
        try ImageCodingSummary(file: compressed, names: names, decoded: decoded.map(\.image), estimatedBits: estimated, originals: nil,
                               seconds: seconds, encodingTimes: nil, decodingTimes: nil).print(json: json)
    }

    /// Refuses an `out` that cannot take `count` decoded images (before anything is decoded):
    /// FILE.png takes one, a folder (ending in / or existing) any number.
    static func checkOutput(_ out: String, count: Int) throws {
        if !DecodedOutput.isFolder(out) {
            guard out.lowercased().hasSuffix(".png") else { throw RDAError("--out \(out): give FILE.png (a file of one image) or a folder (ending in / or existing)") }
            guard count == 1 else { throw RDAError("--out \(out): the file holds \(count) images; give a folder (ending in /)") }
        } else {
            try DecodedFolder.check(URL(fileURLWithPath: out))
        }
    }

    /// Writes decoded `images` ([C, H, W] each) to `out` (checked by `checkOutput`): a folder of
    /// `image-N.png` files or one PNG.
    static func write(_ images: [Tensor], channels c: Int, to out: String) throws {
        func bytes(_ x: Tensor) -> [UInt8] {
            let plane = x.shape[1] * x.shape[2]
            var out = [UInt8](repeating: 0, count: c * plane)
            for p in 0..<plane { for ch in 0..<c { out[p * c + ch] = ImageQuality.byte(x.data[ch * plane + p]) } }
            return out
        }
        if DecodedOutput.isFolder(out) {
            let width = String(images.count).count
            try DecodedFolder.write(to: URL(fileURLWithPath: out)) { staging in
                for (i, d) in images.enumerated() {
                    let name = String(repeating: "0", count: width - String(i + 1).count) + String(i + 1)
                    try PNG.write(width: d.shape[2], height: d.shape[1], channels: c, pixels: bytes(d),
                                  to: staging.appendingPathComponent("image-\(name).png"))
                }
            }
        } else {
            let d = images[0]
            let png = try PNG.encode(PNGImage(width: d.shape[2], height: d.shape[1], channels: c, pixels: bytes(d)))
            try AtomicFile.write([UInt8](png), to: URL(fileURLWithPath: out))
        }
    }
}
