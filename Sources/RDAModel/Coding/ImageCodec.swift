import Foundation
import RDACoding
import RDACore

/// Images of any size through one `spatial` model whose channel entropy codes its latents:
///
///     compress:    image [C, H, W] ──pad (edge replication) to multiples of 2^k──> the model resized
///                  to that size (`resized(height:width:)`) ──> z~ [C_lat, H'/2^k, W'/2^k] ──> record
///     decompress:  record ──> H, W and z~ ──decoder at H' x W'──> crop to [C, H, W]
///
/// Each image is one record of a `.rdac` file: LEB128(H), LEB128(W) (the original size), then
/// the range coder's message of its symbols under the per-channel tables repeated over the map's
/// positions. The file's example shape is `[C, 2^k]` (rank 2, which no model's examples have:
/// "C-channel images of any size, padded to multiples of 2^k"), so a file of fixed-size examples
/// and a file of images are never confused. Fingerprint and CRC checks are `CompressedFile`'s.
public enum ImageCodec {
    /// The largest height or width a record may declare (checked before anything is allocated).
    public static let maximumSide = 1 << 16
    /// The most pixels a record may declare (H * W), as `PNG.defaultMaximumPixels`.
    public static let maximumPixels = 1 << 26

    /// The example shape an image file records for `model`: [image channels, 2^k].
    public static func fileShape(_ model: RateDistortionAutoencoder) -> [Int] {
        [model.config.exampleShape[0], SpatialNetwork.multiple(widths: model.config.widths)]
    }

    /// `side` rounded up to a multiple of 2^k, the size `model` codes it at.
    public static func paddedSide(_ side: Int, _ model: RateDistortionAutoencoder) -> Int {
        let m = SpatialNetwork.multiple(widths: model.config.widths)
        return (side + m - 1) / m * m
    }

    /// Whether `file` holds images of any size (its example shape has rank 2).
    public static func holdsImages(_ file: CompressedFile) -> Bool { file.shape.count == 2 }

    /// `image` [C, H, W] padded at the bottom and right to multiples of `multiple` by repeating
    /// its last row and column (edge replication). Shapes: [C, H, W] -> [C, H', W'].
    public static func padded(_ image: Tensor, multiple m: Int) -> Tensor {
        let (c, h, w) = (image.shape[0], image.shape[1], image.shape[2])
        let ph = (h + m - 1) / m * m, pw = (w + m - 1) / m * m
        if ph == h && pw == w { return image }
        let out = Tensor(zeros: [c, ph, pw])
        let src = image.data, dst = out.data
        for ch in 0..<c {
            for y in 0..<ph {
                let row = src + (ch * h + Swift.min(y, h - 1)) * w, o = dst + (ch * ph + y) * pw
                o.update(from: row, count: w)
                for x in w..<pw { o[x] = row[w - 1] }
            }
        }
        return out
    }

    /// The top-left `height` x `width` of `image`. Shapes: [C, H', W'] -> [C, height, width].
    public static func cropped(_ image: Tensor, height: Int, width: Int) -> Tensor {
        let (c, h, w) = (image.shape[0], image.shape[1], image.shape[2])
        precondition(height <= h && width <= w, "crop \(height)x\(width) of a \(h)x\(w) image")
        if height == h && width == w { return image }
        let out = Tensor(zeros: [c, height, width])
        for ch in 0..<c {
            for y in 0..<height {
                let dst: UnsafeMutablePointer<Float> = out.data + (ch * height + y) * width
                let src: UnsafeMutablePointer<Float> = image.data + (ch * h + y) * w
                dst.update(from: src, count: width)
            }
        }
        return out
    }

    /// The model for a padded size, made once per size.
    final class Sizes {
        let model: RateDistortionAutoencoder
        var cache: [[Int]: RateDistortionAutoencoder] = [:]
        init(_ model: RateDistortionAutoencoder) { self.model = model }
        func model(height: Int, width: Int) throws -> RateDistortionAutoencoder {
            if let m = cache[[height, width]] { return m }
            let m = try model.resized(height: height, width: width)
            cache[[height, width]] = m
            return m
        }
    }

    /// One image coded: its record, its symbols, their ideal code length and the decoder's
    /// reconstruction of them (cropped to the image's size, [C, H, W]).
    public struct Coded {
        /// The record: LEB128 height and width, then the coder's message.
        public let record: [UInt8]
        /// The integer latents z~, channel-major.
        public let symbols: [Int32]
        /// -log2 P(z~) under the tables, in bits (the estimate of the message's length).
        public let estimatedBits: Double
    }

    /// Codes each of `images` ([C, H, W] tensors of values in [0, 1]) into one record.
    public static func encode(_ model: RateDistortionAutoencoder, images: [Tensor]) throws -> [Coded] {
        _ = try Codec.codingChannel(model)
        let c = model.config.exampleShape[0], m = SpatialNetwork.multiple(widths: model.config.widths)
        let sizes = Sizes(model)
        return try images.map { image in
            guard image.rank == 3, image.shape[0] == c else {
                throw RDAError("an image of shape \(image.shape) for a model of \(c)-channel images")
            }
            let (h, w) = (image.shape[1], image.shape[2])
            let x = padded(image, multiple: m)
            let sized = try sizes.model(height: x.shape[1], width: x.shape[2])
            try MemoryEstimate.require(MemoryEstimate.multiply([MemoryEstimate.activationsPerExample(sized.config), 4]), for: "coding a \(w)x\(h) image",
                                       fix: "code a smaller image, or cut it into parts")
            let channel = try Codec.codingChannel(sized)
            let symbols = withoutGradients {
                channel.symbols(sized.forward(x.reshaped([1, x.count]), noise: nil, mode: .evaluation).z)
            }
            var record: [UInt8] = []
            LEB128.append(UInt64(h), to: &record)
            LEB128.append(UInt64(w), to: &record)
            record += channel.codingTables.encode(rows: [symbols])
            return Coded(record: record, symbols: symbols, estimatedBits: channel.codingTables.codeLength(symbols))
        }
    }

    /// A `.rdac` file of coded images, stamped with `model`'s fingerprint (`fingerprint`, when the
    /// caller has it: hashing every parameter costs a pass over the model).
    public static func file(_ model: RateDistortionAutoencoder, coded: [Coded], fingerprint: [UInt8]? = nil) throws -> CompressedFile {
        try CompressedFile(fingerprint: fingerprint ?? model.fingerprint, shape: fileShape(model), records: coded.map(\.record))
    }

    /// Checks that `file` holds images made with `model` (one line naming the problem);
    /// `fingerprint` is the model's, when the caller has it.
    public static func check(_ model: RateDistortionAutoencoder, file: CompressedFile, fingerprint: [UInt8]? = nil) throws {
        _ = try Codec.codingChannel(model)
        do { try file.check(fingerprint: fingerprint ?? model.fingerprint) } catch { throw RDAError("\(error)") }
        guard holdsImages(file), file.shape == fileShape(model), file.examplesPerRecord == 1 else {
            throw RDAError("the file holds examples of shape \(file.shape), not images of any size of this model (\(fileShape(model))); use the model it was compressed with")
        }
    }

    /// The original height and width a record declares, and where its message starts; a
    /// size outside 1...`maximumSide` a side or over `maximumPixels` is refused before anything is allocated.
    public static func size(ofRecord record: [UInt8]) throws -> (height: Int, width: Int, messageStart: Int) {
        var at = 0, sides: [Int] = []
        for _ in 0..<2 {
            guard case .value(let v, let next) = LEB128.read(record, at: at), v >= 1, v <= UInt64(maximumSide) else {
                throw RDAError("a record's image size is missing or outside 1...\(maximumSide); the file is damaged")
            }
            sides.append(Int(v)); at = next
        }
        guard sides[0] * sides[1] <= maximumPixels else {
            throw RDAError("a record declares a \(sides[1])x\(sides[0]) image, more than \(maximumPixels) pixels; the file is damaged or not rda's")
        }
        return (sides[0], sides[1], at)
    }

    /// The images of `file` ([C, H, W] each, the original sizes), after `check` (with `fingerprint`).
    public static func decode(_ model: RateDistortionAutoencoder, file: CompressedFile, fingerprint: [UInt8]? = nil) throws -> [(image: Tensor, symbols: [Int32])] {
        try check(model, file: file, fingerprint: fingerprint)
        let sizes = Sizes(model), m = SpatialNetwork.multiple(widths: model.config.widths), c = model.config.exampleShape[0]
        var out: [(image: Tensor, symbols: [Int32])] = []
        for i in 0..<file.recordCount {
            let record = file.record(i)
            let (h, w, start) = try size(ofRecord: record)
            let ph = (h + m - 1) / m * m, pw = (w + m - 1) / m * m
            let sized = try sizes.model(height: ph, width: pw)
            try MemoryEstimate.require(MemoryEstimate.samplingBytes(sized.config, count: 1), for: "decoding a \(w)x\(h) image",
                                       fix: "the file declares an image larger than this process can hold; check it is an rda file")
            let channel = try Codec.codingChannel(sized)
            let symbols: [Int32]
            do { symbols = try channel.codingTables.decode(Array(record[start...]), version: file.version) } catch {
                throw RDAError("record \(i + 1) of \(file.recordCount) does not decode (\(error)); the file is damaged")
            }
            let y = withoutGradients { sized.decode(channel.latents([symbols])) }
            out.append((cropped(y.reshaped([c, ph, pw]), height: h, width: w), symbols))
        }
        return out
    }
}
