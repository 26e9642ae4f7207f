import ArgumentParser
import Foundation
import RDACoding
import RDACore
import RDAIO
import RDAKernels
import RDAModel

/// `compress`'s options for Gaussian-channel models (channel simulation).
struct ChannelSimulationOptions: ParsableArguments {
    @Option(help: "Gaussian models: the planned KL of a channel-simulation block, in bits (1...20; default 11 below 32 bits of KL per example, 16 from there). Larger blocks cost fewer overhead bits and 2^(B+4) candidates of search each.")
    var blockBits: Int?
    @Option(help: "Gaussian models: log2 of the most candidates searched per block (B...24; default 14 below 32 bits of KL per example, 18 from there; with --block-bits alone, block bits + 4).")
    var candidateBits: Int?

    /// Refuses the options for a model that is not coded by channel simulation.
    func check(gaussian: Bool) throws {
        guard !gaussian else { return }
        if blockBits != nil { throw RDAError("--block-bits applies to Gaussian-channel models (channel simulation); this model codes by rounding") }
        if candidateBits != nil { throw RDAError("--candidate-bits applies to Gaussian-channel models (channel simulation); this model codes by rounding") }
    }
}

/// What `compress` and `decompress` report for a channel-simulated file (`--json`: one object).
struct SimulatedSummary: CommandSummary {
    var images: Int
    var fileBytes: Int
    var payloadBits: Int
    var bitsPerImage: Double
    var payloadBitsPerImage: Double
    /// The model's KL per example in bits (what an exact, free channel simulation would pay).
    var klBitsPerImage: Double?
    /// Payload bits per example minus the KL, and the same per block.
    var overheadBitsPerImage: Double?
    var overheadBitsPerBlock: Double?
    var blocksPerImage: Int
    var blockBits: Int
    var candidateBits: Int
    var truncatedBlocks: Int?
    var msePerDim: Double?
    var psnrDb: Double?
    /// The model's distortion of the decoded examples (what `eval` reports for the noisy
    /// channel), its mean over examples and that mean's standard error.
    var distortion: Double?
    var distortionStderr: Double?
    var seconds: Double
    var imagesPerSec: Double
    var threads: Int
    var examplesPerRecord: Int

    enum CodingKeys: String, CodingKey {
        case images, seconds, threads
        case fileBytes = "file_bytes", payloadBits = "payload_bits", bitsPerImage = "bits_per_image"
        case payloadBitsPerImage = "payload_bits_per_image", klBitsPerImage = "kl_bits_per_image"
        case overheadBitsPerImage = "overhead_bits_per_image", overheadBitsPerBlock = "overhead_bits_per_block"
        case blocksPerImage = "blocks_per_image", blockBits = "block_bits", candidateBits = "candidate_bits"
        case truncatedBlocks = "truncated_blocks", msePerDim = "mse_per_dim", psnrDb = "psnr_db", distortion, distortionStderr = "distortion_stderr"
        case imagesPerSec = "images_per_sec", examplesPerRecord = "examples_per_record"
    }

    init(file: CompressedFile, plan: ChannelSimulationPlan, encoded: ChannelSimulationCodec.Encoded?, originals: Tensor?, decoded: Tensor,
         perExample: Tensor? = nil, isImage: Bool, seconds: Double) {
        let n = Double(Swift.max(file.count, 1))
        images = file.count
        fileBytes = file.fileBytes
        payloadBits = file.payloadBits
        bitsPerImage = Double(file.fileBytes * 8) / n
        payloadBitsPerImage = Double(file.payloadBits) / n
        blocksPerImage = plan.blocks.count
        blockBits = plan.blockBits
        candidateBits = plan.candidateBits
        if let encoded {
            klBitsPerImage = encoded.klBitsPerExample
            overheadBitsPerImage = payloadBitsPerImage - encoded.klBitsPerExample
            overheadBitsPerBlock = (payloadBitsPerImage - encoded.klBitsPerExample) / Double(Swift.max(plan.blocks.count, 1))
            truncatedBlocks = encoded.truncatedBlocks
        }
        if let originals {
            var sq = 0.0
            for i in 0..<originals.count { let e = Double(originals.data[i] - decoded.data[i]); sq += e * e }
            let mse = sq / Double(Swift.max(originals.count, 1))
            msePerDim = mse
            psnrDb = isImage ? 10 * log10(1 / mse) : nil
        }
        if let perExample, perExample.count > 1 {
            let v = perExample.values.map(Double.init), k = Double(v.count)
            let mean = v.reduce(0, +) / k
            distortion = mean
            distortionStderr = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (k - 1) / k).squareRoot()
        }
        self.seconds = seconds
        imagesPerSec = n / Swift.max(seconds, 1e-9)
        threads = Threads.count
        examplesPerRecord = file.examplesPerRecord
    }

    var line: String {
        var s = "\(images) examples, \(fileBytes) bytes: " + String(format: "%.2f bits/example (payload %.2f)", bitsPerImage, payloadBitsPerImage)
        if let kl = klBitsPerImage, let o = overheadBitsPerImage, let b = overheadBitsPerBlock {
            s += String(format: ", KL %.2f bits, overhead %.2f bits/example (%.2f per block of %d)", kl, o, b, blocksPerImage)
        }
        s += String(format: ", channel simulation B = %d, N = 2^%d", blockBits, candidateBits)
        if let t = truncatedBlocks, t > 0 { s += ", \(t) blocks at the candidate bound" }
        if let p = psnrDb { s += String(format: ", PSNR %.2f dB", p) } else if let m = msePerDim { s += String(format: ", MSE/dim %.6f", m) }
        if let d = distortion, let e = distortionStderr { s += String(format: ", distortion %.4f ± %.4f", d, e) }
        s += String(format: ", %.2f s (%.0f examples/s, %d threads)", seconds, imagesPerSec, threads)
        return s
    }
}

/// `compress` and `decompress` for Gaussian-channel models: channel simulation (`ChannelSimulationCodec`).
enum SimulatedCoding {
    /// Codes `examples` [N, D] into `out`, then decodes the file's own bytes and reports.
    static func compress(_ m: RateDistortionAutoencoder, examples: Tensor, isImage: Bool, out: String, examplesPerRecord: Int,
                         options: ChannelSimulationOptions, json: Bool) throws {
        let start = Date()
        let posterior = try ChannelSimulationCodec.posteriors(m, examples: examples)
        let encoded = try ChannelSimulationCodec.encode(mu: posterior.mu, logVariance: posterior.logVariance, dimensions: m.config.latentShape.count,
                                                        blockBits: options.blockBits, candidateBits: options.candidateBits,
                                                        examplesPerRecord: examplesPerRecord, threads: Threads.count)
        let file = try ChannelSimulationCodec.file(m, encoded: encoded, examplesPerRecord: examplesPerRecord)
        let seconds = Date().timeIntervalSince(start)
        try AtomicFile.write(file.bytes, to: URL(fileURLWithPath: out))
        // what the decoder will see: decode the file's own bytes
        let decoded = try ChannelSimulationCodec.reconstruct(m, latents: try ChannelSimulationCodec.latents(m, file: file))
        let perExample = withoutGradients { m.config.distortion.perExample(examples, decoded) }
        try SimulatedSummary(file: file, plan: encoded.parameters.plan, encoded: encoded, originals: examples, decoded: decoded,
                             perExample: perExample, isImage: isImage, seconds: seconds).print(json: json)
    }

    /// Decodes a channel-simulated `file` and writes it where `--out` says.
    static func decompress(_ m: RateDistortionAutoencoder, file: CompressedFile, name: String, out: String, scale: Int, json: Bool) throws {
        let start = Date()
        let z = try ChannelSimulationCodec.latents(m, file: file)
        let decoded = try ChannelSimulationCodec.reconstruct(m, latents: z)
        let seconds = Date().timeIntervalSince(start)
        try DecodedOutput.write(decoded, shape: m.config.exampleShape, to: out, scale: scale,
                                caption: "\(file.count) examples decoded from \((name as NSString).lastPathComponent) (channel simulation)")
        let plan = try ChannelSimulationParameters(bytes: file.parameters).plan
        try SimulatedSummary(file: file, plan: plan, encoded: nil, originals: nil, decoded: decoded,
                             isImage: DecodedOutput.isImage(m.config.exampleShape), seconds: seconds).print(json: json)
    }
}
