import Foundation
import RDACoding
import RDACore
import RDAIO
import RDAKernels
import RDAModel

/// What a channel-simulated file of images reports beside the image figures.
struct SimulatedImageFigures: Encodable {
    var blockBits: Int
    var candidateBits: Int
    /// Blocks of all images, and those whose search reached the candidate bound (compress only).
    var blocks: Int?
    var truncatedBlocks: Int?
    /// The KL of all images in bits, and the records' bits of sizes and per-channel figures.
    var klBits: Double?
    var sideBits: Int?
    /// PSNR (8-bit RGB, over all images) of the noisy channel's own reconstructions: decoding
    /// z = mu + sigma eps, what an exact channel simulation would reach on average.
    var channelPsnrRgb: Double?

    enum CodingKeys: String, CodingKey {
        case blocks
        case blockBits = "block_bits", candidateBits = "candidate_bits", truncatedBlocks = "truncated_blocks"
        case klBits = "kl_bits", sideBits = "side_bits", channelPsnrRgb = "channel_psnr_rgb"
    }

    /// The figures of images coded with `settings` (`coded` empty when decoding: only B and n known).
    init(settings: ImageChannelSimulation.Settings, coded: [ImageChannelSimulation.Coded], channelPsnrRgb: Double? = nil) {
        blockBits = settings.blockBits
        candidateBits = settings.candidateBits
        if !coded.isEmpty {
            blocks = coded.reduce(0) { $0 + $1.blocks }
            truncatedBlocks = coded.reduce(0) { $0 + $1.truncatedBlocks }
            klBits = coded.reduce(0) { $0 + $1.klBits }
            sideBits = coded.reduce(0) { $0 + $1.sideBits }
        }
        self.channelPsnrRgb = channelPsnrRgb
    }

    var line: String {
        var s = "channel simulation B = \(blockBits), N = 2^\(candidateBits)"
        if let b = blocks, let t = truncatedBlocks { s += ", \(b) blocks (\(t) at the candidate bound)" }
        if let side = sideBits { s += ", \(side) bits of sizes and per-channel figures" }
        if let p = channelPsnrRgb { s += String(format: ", the noisy channel's own sample %.2f dB", p) }
        return s
    }
}

/// `rda compress --image` and `rda decompress` with a Gaussian-channel `spatial` model: images of
/// any size by channel simulation (`ImageChannelSimulation`).
enum SimulatedImageCoding {
    /// Codes `paths` into `out` and reports what the decoder will see (the file's own bytes decoded).
    static func compress(_ model: RateDistortionAutoencoder, paths: [String], out: String, options: ChannelSimulationOptions, json: Bool) throws {
        let settings = try ImageChannelSimulation.Settings(blockBits: options.blockBits, candidateBits: options.candidateBits)
        let images = try paths.map { try AnySizeImageInput.read($0, channels: model.config.exampleShape[0]) }
        let fingerprint = model.fingerprint
        let start = Date()
        var coded: [ImageChannelSimulation.Coded] = [], times: [Double] = []
        for (i, image) in images.enumerated() {
            let t = Date()
            coded.append(try ImageChannelSimulation.encode(model, image: image, index: i, settings: settings, threads: Threads.count))
            times.append(Date().timeIntervalSince(t))
            if paths.count > 1 { Console.info("\(i + 1)/\(paths.count) \(paths[i]): \(String(format: "%.2f", times[i])) s") }
        }
        let file = try ImageChannelSimulation.file(model, coded: coded, settings: settings, fingerprint: fingerprint)
        let seconds = Date().timeIntervalSince(start)
        try AtomicFile.write(file.bytes, to: URL(fileURLWithPath: out))
        let decoded = try ImageChannelSimulation.decode(model, file: file, fingerprint: fingerprint)
        var sq = 0.0, values = 0
        for (i, image) in images.enumerated() {
            let sample = try ImageChannelSimulation.channelSample(model, coded: coded[i], seed: UInt64(i))
            sq += ImageQuality.squaredError8Bit(image.data, sample.data, count: image.count); values += image.count
        }
        let figures = SimulatedImageFigures(settings: settings, coded: coded, channelPsnrRgb: ImageQuality.psnr8Bit(squaredError: sq, values: values))
        try ImageCodingSummary(file: file, names: paths, decoded: decoded, estimatedBits: coded.map(\.klBits), originals: images,
                               seconds: seconds, encodingTimes: times, decodingTimes: nil, channelSimulation: figures).print(json: json)
    }

    /// Decodes a channel-simulated file of images into `out` (`ImageFilesCoding.checkOutput`).
    static func decompress(_ model: RateDistortionAutoencoder, compressed: CompressedFile, fileName: String, out: String, json: Bool) throws {
        try ImageFilesCoding.checkOutput(out, count: compressed.count)
        let start = Date()
        let decoded = try ImageChannelSimulation.decode(model, file: compressed)
        let seconds = Date().timeIntervalSince(start)
        try ImageFilesCoding.write(decoded, channels: model.config.exampleShape[0], to: out)
        let settings = try ImageChannelSimulation.Settings(bytes: compressed.parameters)
        try ImageCodingSummary(file: compressed, names: decoded.indices.map { "\(fileName)#\($0 + 1)" }, decoded: decoded, estimatedBits: nil,
                               originals: nil, seconds: seconds, encodingTimes: nil, decodingTimes: nil,
                               channelSimulation: SimulatedImageFigures(settings: settings, coded: [])).print(json: json)
    }
}
