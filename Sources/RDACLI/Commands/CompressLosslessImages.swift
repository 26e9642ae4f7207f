import Foundation
import RDACoding
import RDACore
import RDAIO
import RDAModel

/// `rda compress --lossless --image ...` with a `spatial` model: images of any size on one
/// bits-back chain (`BitsBack.compress(_:images:)`), and their decompression to PNGs.
enum LosslessImageCoding {
    /// `path` as [C, H, W] levels k/255, refused when its channels are not the model's (a
    /// conversion would not give back the file's pixels).
    static func read(_ path: String, channels c: Int) throws -> Tensor {
        let image = try ImageFile.read(path: path, maximumPixels: ImageCodec.maximumPixels)
        guard image.channels == c else {
            throw RDAError("\(path) has \(image.channels) channel\(image.channels == 1 ? "" : "s") but the model codes \(c)-channel images; lossless coding does not convert them")
        }
        if image.droppedAlpha { Console.info("note: \(path): its alpha channel is ignored (not coded)") }
        let values = image.planarFloats(channels: c)
        let out = Tensor(zeros: [c, image.height, image.width])
        out.data.update(from: values, count: values.count)
        return out
    }

    /// Compresses the `--image` files with the spatial model `m`, each at its own size.
    static func compress(_ c: Compress, model m: RateDistortionAutoencoder) throws {
        let images = try c.image.map { try read($0, channels: m.config.exampleShape[0]) }
        let start = Date(), clock = BitsBack.Clock()
        let (file, stats) = try BitsBack.compress(m, images: images, clock: clock)
        let seconds = Date().timeIntervalSince(start)
        try AtomicFile.write(file.bytes, to: URL(fileURLWithPath: c.out))
        let dims = Double(images.reduce(0) { $0 + $1.count })
        try LosslessSummary(images: file.count, fileBytes: file.fileBytes, bitsPerDim: Double(8 * file.fileBytes) / dims,
                            initialBits: ((BitsBack.Parameters(bytes: file.parameters)?.initialWords ?? 0) + 2) * 32,
                            nelboBitsPerDim: stats.nelboBits / dims, klBitsPerDim: stats.klNats / M_LN2 / dims,
                            seconds: seconds, networkSeconds: clock.networkSeconds,
                            imagesPerSec: Double(file.count) / Swift.max(seconds, 1e-9)).print(json: c.json)
    }

    /// Decodes a bits-back file of images of any size to `out`: a folder (one PNG per image) or
    /// FILE.png (one image), written only once every image is back.
    static func decompress(_ compressed: CompressedFile, model m: RateDistortionAutoencoder, out: String, json: Bool) throws {
        let c = m.config.exampleShape[0]
        let lower = out.lowercased()
        let single = lower.hasSuffix(".png")
        if single {
            guard compressed.count == 1 else { throw RDAError("--out \(out): the file holds \(compressed.count) images; give a folder (one PNG per image)") }
        } else {
            guard DecodedOutput.isFolder(out) else {
                throw RDAError("--out \(out): images of any size decode to a folder (ending in / or existing: one PNG per image) or FILE.png (one image)")
            }
            try DecodedFolder.check(URL(fileURLWithPath: out))
        }
        let start = Date(), clock = BitsBack.Clock()
        let images = try BitsBack.decompressImages(m, file: compressed, clock: clock)
        let seconds = Date().timeIntervalSince(start)
        func pixels(_ i: Int) -> [UInt8] { LosslessCoding.interleaved(images[i].levels, image: 0, shape: [c, images[i].height, images[i].width]) }
        let url = URL(fileURLWithPath: out)
        if single {
            try PNG.write(width: images[0].width, height: images[0].height, channels: c, pixels: pixels(0), to: url)
        } else {
            let width = String(images.count).count
            try DecodedFolder.write(to: url) { staging in
                for i in images.indices {
                    let name = String(repeating: "0", count: width - String(i + 1).count) + String(i + 1)
                    try PNG.write(width: images[i].width, height: images[i].height, channels: c, pixels: pixels(i),
                                  to: staging.appendingPathComponent("image-\(name).png"))
                }
            }
        }
        let dims = Double(images.reduce(0) { $0 + $1.levels.count })
        try LosslessSummary(images: compressed.count, fileBytes: compressed.fileBytes, bitsPerDim: Double(8 * compressed.fileBytes) / dims,
                            initialBits: ((BitsBack.Parameters(bytes: compressed.parameters)?.initialWords ?? 0) + 2) * 32,
                            nelboBitsPerDim: nil, klBitsPerDim: nil, seconds: seconds, networkSeconds: clock.networkSeconds,
                            imagesPerSec: Double(compressed.count) / Swift.max(seconds, 1e-9)).print(json: json)
    }
}
