import Foundation
import RDACore
import RDAKernels
import RDAModel

/// `rda eval --per-image` with a `spatial` model: every image coded to real bytes and decoded
/// (a quantized model by rounding, a Gaussian one by channel simulation with the default B and
/// N), reporting bpp (from the bytes), the estimated bpp (the channel simulation's: the KL), PSNR
/// over 8-bit values and the coding times, per image and over all of them.
enum EvalImages {
    /// Codes `images` ([C, H, W] each, named by `names`) one at a time and prints the figures.
    static func run(_ model: RateDistortionAutoencoder, images: [Tensor], names: [String], json: Bool) throws {
        guard model.config.arch == .spatial else {
            throw RDAError("--per-image codes images of any size: it needs a spatial model; this model is \(model.config.arch.rawValue)")
        }
        let summary = model.bottleneck is GaussianBottleneck ? try simulated(model, images: images, names: names)
                                                             : try quantized(model, images: images, names: names)
        if json { return try summary.print(json: true) }
        let estimate = summary.channelSimulation == nil ? "estimate" : "KL"
        for p in summary.perImage {
            print(String(format: "%@  %dx%d  %d bytes  %.4f bpp (%@ %.4f)  PSNR %.2f dB  encode %.3f s  decode %.3f s",
                         p.name, p.width, p.height, p.bytes, p.bpp, estimate, p.estimatedBpp ?? .nan, p.psnrRgb ?? .nan,
                         p.encodingTime ?? 0, p.decodingTime ?? 0))
        }
        print("all: " + summary.line)
    }

    /// The figures of a quantized model: each image coded alone by rounding and decoded.
    static func quantized(_ model: RateDistortionAutoencoder, images: [Tensor], names: [String]) throws -> ImageCodingSummary {
        _ = try Codec.codingChannel(model)
        let fingerprint = model.fingerprint   // once: a hash of every parameter
        var coded: [ImageCodec.Coded] = [], decoded: [Tensor] = [], encodingTimes: [Double] = [], decodingTimes: [Double] = []
        let start = Date()
        for image in images {
            var t = Date()
            let c = try ImageCodec.encode(model, images: [image])
            encodingTimes.append(Date().timeIntervalSince(t))
            let one = try ImageCodec.file(model, coded: c, fingerprint: fingerprint)
            t = Date()
            decoded.append(try ImageCodec.decode(model, file: one, fingerprint: fingerprint)[0].image)
            decodingTimes.append(Date().timeIntervalSince(t))
            coded += c
        }
        let file = try ImageCodec.file(model, coded: coded, fingerprint: fingerprint)
        return ImageCodingSummary(file: file, names: names, decoded: decoded, estimatedBits: coded.map(\.estimatedBits),
                                  originals: images, seconds: Date().timeIntervalSince(start),
                                  encodingTimes: encodingTimes, decodingTimes: decodingTimes)
    }

    /// The figures of a Gaussian model: each image coded alone by channel simulation and decoded,
    /// as the only image (example 0) of its own file: what `compress --image` of that one image
    /// writes. The summary's file gathers those records for their sizes only.
    static func simulated(_ model: RateDistortionAutoencoder, images: [Tensor], names: [String]) throws -> ImageCodingSummary {
        let settings = try ImageChannelSimulation.Settings()
        let fingerprint = model.fingerprint
        var coded: [ImageChannelSimulation.Coded] = [], decoded: [Tensor] = [], encodingTimes: [Double] = [], decodingTimes: [Double] = []
        let start = Date()
        for image in images {
            var t = Date()
            let c = try ImageChannelSimulation.encode(model, image: image, index: 0, settings: settings, threads: Threads.count)
            encodingTimes.append(Date().timeIntervalSince(t))
            t = Date()
            decoded.append(try ImageChannelSimulation.decode(model, file: try ImageChannelSimulation.file(model, coded: [c], settings: settings, fingerprint: fingerprint),
                                                             fingerprint: fingerprint)[0])
            decodingTimes.append(Date().timeIntervalSince(t))
            coded.append(c)
        }
        let file = try ImageChannelSimulation.file(model, coded: coded, settings: settings, fingerprint: fingerprint)
        return ImageCodingSummary(file: file, names: names, decoded: decoded, estimatedBits: coded.map(\.klBits), originals: images,
                                  seconds: Date().timeIntervalSince(start), encodingTimes: encodingTimes, decodingTimes: decodingTimes,
                                  channelSimulation: SimulatedImageFigures(settings: settings, coded: coded))
    }

    /// The images: `paths` read at their own sizes, or the `split` images of an `images:`
    /// folder (`folder`) whole, at their own sizes, or else the examples of `data` as images.
    static func images(_ model: RateDistortionAutoencoder, paths: [String], split: Split = .test, folder: () throws -> ImageFolder?,
                       data: () throws -> Dataset) throws -> (images: [Tensor], names: [String]) {
        let c = model.config.exampleShape[0]
        if !paths.isEmpty { return (try paths.map { try AnySizeImageInput.read($0, channels: c) }, paths) }
        if let folder = try folder() {
            let entries = folder.entries(split)
            let root = URL(fileURLWithPath: folder.path)
            let images = try entries.map { try AnySizeImageInput.read(root.appendingPathComponent($0.relativePath).path, channels: c) }
            return (images, entries.map(\.relativePath))
        }
        let d = try data()
        guard d.exampleShape.count == 3 else { throw RDAError("--per-image needs images; the data's examples have shape \(d.exampleShape)") }
        let n = d.count, size = d.dimensions
        let images = (0..<n).map { i -> Tensor in
            let t = Tensor(zeros: d.exampleShape)
            t.data.update(from: d.examples.data + i * size, count: size)
            return t
        }
        return (images, (0..<n).map { "example \($0 + 1)" })
    }
}

/// `rda sample --size HxW`: a spatial model's prior map decoded at another size.
enum SampleSize {
    /// `model` resized to `text` ("HxW"), or a one-line error.
    static func resize(_ model: RateDistortionAutoencoder, _ text: String) throws -> RateDistortionAutoencoder {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let h = parts[0], let w = parts[1], (1...ImageCodec.maximumSide).contains(h), (1...ImageCodec.maximumSide).contains(w) else {
            throw RDAError("--size \(text): write HEIGHTxWIDTH, e.g. 64x96 (each 1...\(ImageCodec.maximumSide))")
        }
        do { return try model.resized(height: h, width: w) } catch let e as RDAError { throw RDAError("--size \(text): \(e.raw)") }
    }
}
