import Foundation
import RDACoding
import RDACore

/// Bits-back coding of images of any size with one `spatial` model, on one chain:
///
///     image [C, H, W] ──pad (edge replication) to multiples of 2^k──> the model resized to that
///     size ──> one bits-back step (`BitsBack.push`) coding only the H x W pixels
///
/// The padding is a function of the image's own pixels, so the decoder pops the H x W pixels,
/// pads them the same way and runs the encoder on exactly what encoding saw: the padding costs
/// no bits. The latent is the resized model's C_lat x (H'/2^k)(W'/2^k) values, each bucketed
/// under the prior of its channel.
///
/// File: method bits-back, example shape `ImageCodec.fileShape` ([C, 2^k], as the lossy image
/// files, so `ImageCodec.holdsImages` tells it from a file of fixed-size examples), one record:
/// LEB128(H), LEB128(W) per image, then the stack's bytes, then a 1 byte.
extension BitsBack {
    /// The networks and tables for each padded size, made once per size.
    final class SizedNetworks {
        let model: RateDistortionAutoencoder
        let parameters: Parameters
        var cache: [[Int]: Networks] = [:]
        init(_ model: RateDistortionAutoencoder, parameters: Parameters) { self.model = model; self.parameters = parameters }

        func networks(height: Int, width: Int) throws -> Networks {
            if let n = cache[[height, width]] { return n }
            let sized = try model.resized(height: height, width: width)
            try MemoryEstimate.require(MemoryEstimate.multiply([MemoryEstimate.activationsPerExample(sized.config), 4]),
                                       for: "coding a \(width)x\(height) image", fix: "code a smaller image, or cut it into parts")
            let n = try Networks(sized, parameters: parameters)
            cache[[height, width]] = n
            return n
        }
    }

    /// The indices, in a [C, H', W'] example, of the top-left H x W pixels of each channel (increasing).
    static func codedIndices(channels c: Int, height h: Int, width w: Int, paddedHeight ph: Int, paddedWidth pw: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(c * h * w)
        for ch in 0..<c { for y in 0..<h { for x in 0..<w { out.append((ch * ph + y) * pw + x) } } }
        return out
    }

    /// Sets the padding of a [C, H', W'] example from its top-left H x W pixels: row y >= H
    /// repeats row H - 1, column x >= W column W - 1 (as `ImageCodec.padded`).
    static func fillPadding(_ e: inout [UInt8], channels c: Int, height h: Int, width w: Int, paddedHeight ph: Int, paddedWidth pw: Int) {
        for ch in 0..<c {
            for y in 0..<ph {
                let row = (ch * ph + y) * pw, source = (ch * ph + Swift.min(y, h - 1)) * pw
                if y >= h { for x in 0..<w { e[row + x] = e[source + x] } }
                for x in w..<pw { e[row + x] = e[source + w - 1] }
            }
        }
    }

    /// The parameters of a file of images whose largest latent map has `latents` values: enough
    /// initial words for any one image's pops (a later image larger than all before it would
    /// otherwise pop from an exhausted stack: valid, but its z then comes from too few bits and
    /// its pixels cost far more), at most `Parameters.maximumInitialWords`.
    static func imageParameters(latents: Int) -> Parameters {
        var p = Parameters(latentDim: latents)
        p.initialWords = Swift.min(p.initialWords, Parameters.maximumInitialWords)
        return p
    }

    /// A bits-back `.rdac` file of `images` ([C, H, W] tensors of 8-bit values k/255, any size)
    /// coded with the `spatial` `model` resized per image.
    public static func compress(_ model: RateDistortionAutoencoder, images: [Tensor], clock: Clock = Clock(),
                                progress: ((Int) -> Void)? = nil) throws -> (file: CompressedFile, statistics: Statistics) {
        _ = try channel(model)
        guard !images.isEmpty else { throw RDAError("no images to compress") }
        let c = model.config.exampleShape[0], m = SpatialNetwork.multiple(widths: model.config.widths)
        var prefix: [UInt8] = []
        var stats = Statistics()
        var latents = 0
        for (i, image) in images.enumerated() {
            guard image.rank == 3, image.shape[0] == c, image.shape[1] >= 1, image.shape[2] >= 1 else {
                throw RDAError("image \(i + 1) has shape \(image.shape); the model codes \(c)-channel images")
            }
            let (h, w) = (image.shape[1], image.shape[2])
            guard h <= ImageCodec.maximumSide, w <= ImageCodec.maximumSide, h * w <= ImageCodec.maximumPixels else {
                throw RDAError("image \(i + 1) is \(w)x\(h): at most \(ImageCodec.maximumSide) a side and \(ImageCodec.maximumPixels) pixels")
            }
            let shape = [c, ImageCodec.paddedSide(h, model), ImageCodec.paddedSide(w, model)]
            latents = Swift.max(latents, SpatialNetwork.latentShape(exampleShape: shape, widths: model.config.widths, channels: model.config.latentDim).count)
        }
        let parameters = imageParameters(latents: latents)
        let sized = SizedNetworks(model, parameters: parameters)
        var stack = BitsBackStack(randomWords: parameters.initialWords, seed: initialSeed)
        for (i, image) in images.enumerated() {
            let (h, w) = (image.shape[1], image.shape[2])
            let (ph, pw) = (ImageCodec.paddedSide(h, model), ImageCodec.paddedSide(w, model))
            let net = try sized.networks(height: ph, width: pw)
            let example = try levels(ImageCodec.padded(image, multiple: m).reshaped([1, c * ph * pw]))
            push(example, coded: codedIndices(channels: c, height: h, width: w, paddedHeight: ph, paddedWidth: pw),
                 net: net, onto: &stack, statistics: &stats, clock: clock)
            LEB128.append(UInt64(h), to: &prefix)
            LEB128.append(UInt64(w), to: &prefix)
            progress?(i + 1)
        }
        let file = try CompressedFile(fingerprint: model.fingerprint, shape: ImageCodec.fileShape(model), records: [prefix + stack.bytes + [1]],
                                      examplesPerRecord: images.count, count: images.count, method: .bitsBack, parameters: parameters.bytes)
        return (file, stats)
    }

    /// The images of a bits-back file of images of any size: each one's 8-bit levels [C, H, W]
    /// (channel-planar) with its height and width, in the order they were compressed.
    public static func decompressImages(_ model: RateDistortionAutoencoder, file: CompressedFile, clock: Clock = Clock(),
                                        progress: ((Int) -> Void)? = nil) throws -> [(levels: [UInt8], height: Int, width: Int)] {
        _ = try channel(model)
        guard file.method == .bitsBack, ImageCodec.holdsImages(file) else {
            throw RDAError("the file does not hold images of any size coded by bits-back coding")
        }
        do { try file.check(fingerprint: model.fingerprint) } catch { throw RDAError("\(error)") }
        guard file.shape == ImageCodec.fileShape(model) else {
            throw RDAError("the file holds images of shape \(file.shape) but the model makes \(ImageCodec.fileShape(model)); use the model it was compressed with")
        }
        let (parameters, record) = try chain(of: file)
        // the sizes, each checked before anything is allocated for it
        var sizes: [(h: Int, w: Int)] = [], at = 0
        for _ in 0..<file.count {
            var sides: [Int] = []
            for _ in 0..<2 {
                guard case .value(let v, let next) = LEB128.read(record, at: at), v >= 1, v <= UInt64(ImageCodec.maximumSide) else {
                    throw RDAError("an image size in the bits-back record is missing or outside 1...\(ImageCodec.maximumSide); the file is damaged")
                }
                sides.append(Int(v)); at = next
            }
            guard sides[0] * sides[1] <= ImageCodec.maximumPixels else {
                throw RDAError("the file declares a \(sides[1])x\(sides[0]) image, more than \(ImageCodec.maximumPixels) pixels; the file is damaged")
            }
            sizes.append((sides[0], sides[1]))
        }
        guard let start = BitsBackStack(bytes: Array(record[at...])) else {
            throw RDAError("the bits-back record is not a whole stack of words; the file is damaged")
        }
        let c = model.config.exampleShape[0]
        try MemoryEstimate.require(MemoryEstimate.sum(sizes.map { MemoryEstimate.multiply([c, $0.h, $0.w]) }), for: "decoding the file's \(file.count) images",
                                   fix: "the file declares more pixels than this process can hold; check it is an rda file")
        let sized = SizedNetworks(model, parameters: parameters)
        var stack = start
        var out = [(levels: [UInt8], height: Int, width: Int)](repeating: ([], 0, 0), count: file.count)
        for i in (0..<file.count).reversed() {
            let (h, w) = sizes[i]
            let (ph, pw) = (ImageCodec.paddedSide(h, model), ImageCodec.paddedSide(w, model))
            let net = try sized.networks(height: ph, width: pw)
            let coded = codedIndices(channels: c, height: h, width: w, paddedHeight: ph, paddedWidth: pw)
            let example = pop(coded: coded, net: net, from: &stack, fill: { fillPadding(&$0, channels: c, height: h, width: w, paddedHeight: ph, paddedWidth: pw) },
                              clock: clock)
            out[i] = (coded.map { example[$0] }, h, w)
            progress?(file.count - i)
        }
        try checkEnd(stack, parameters)
        return out
    }
}
