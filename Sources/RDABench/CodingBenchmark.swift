import Foundation
import RDACore
import RDAKernels
import RDAModel

/// Throughput of rda's three coders (`rda bench code`): images/s and megapixels/s of encoding
/// (network + coder, into the bytes a `.rdac` file holds) and decoding (bytes back to the
/// decoder's output), with the bits per image they cost.
///
/// - `quantized`: `Codec.symbols` + `Codec.file`, then `Codec.decodeSymbols` + `Codec.reconstruct`
///   (what `rda compress` / `decompress` run for a quantized-channel model);
/// - `bits-back`: `BitsBack.compress` / `BitsBack.decompress` of 8-bit images with a
///   discretized-logistic Gaussian-channel model (`rda compress --lossless`);
/// - `channel-simulation`: the Gaussian channel's posteriors, `ChannelSimulationCodec.encode`,
///   then the records' indices back to latents and the decoder (`CodingBenchmarkCoders`).
///
/// The model is a checkpoint (`modelPath`) or a fresh one of the method's channel, trained for
/// `trainSteps` steps first (a model at initialization has a rate near zero, which makes channel
/// simulation's search and bits-back's tables unlike a trained model's). Data: MNIST (or
/// MNIST-shaped synthetic images) for 28x28 grey models, `SpatialBenchmark.images` for 64x64 RGB;
/// values are rounded to 8-bit levels k/255 (bits-back codes only those).
///
/// Timing: `warmupWindows` untimed windows, then `windows` windows, each encoding `images`
/// images and decoding what it made; the summary gives the median window and its min and max.
/// Every window checks that decoding gives back what encoding sent (`roundTrip`).
public enum CodingBenchmark {
    /// The coders.
    public enum Method: String, CaseIterable, Codable, Sendable {
        /// Rounded latents range coded with the quantized channel's prior.
        case quantized
        /// Lossless bits-back coding with ANS.
        case bitsBack = "bits-back"
        /// A sample of the Gaussian channel sent by channel simulation.
        case channelSimulation = "channel-simulation"

        /// The channel of a fresh model for this method.
        public var channel: ChannelConfig { self == .quantized ? .quantized() : .gaussian() }
        /// The distortion of a fresh model for this method (bits-back needs a pixel likelihood).
        public var distortion: DistortionKind { self == .bitsBack ? .discretizedLogistic : .l2 }
    }

    /// What to measure.
    public struct Options: Sendable {
        /// The coder.
        public var method: Method = .quantized
        /// The fresh model's architecture (ignored with `modelPath`): mlp or conv on 28x28 grey
        /// images, spatial on 64x64 RGB.
        public var arch: Architecture = .conv
        /// A `model.safetensors` to code with instead of a fresh model.
        public var modelPath: String?
        /// Threads of the worker pool (nil: leave as they are).
        public var threads: Int?
        /// Images per window (nil: `defaultImages`).
        public var images: Int?
        /// Timed windows.
        public var windows = 5
        /// Untimed windows first.
        public var warmupWindows = 1
        /// Training steps of a fresh model before it codes (batch `SpatialBenchmark.defaultBatch`
        /// for spatial, 64 otherwise); nil: `defaultTrainSteps`.
        public var trainSteps: Int?
        /// Folder searched first for MNIST; synthetic images when not found.
        public var dataDir: String?
        /// Use synthetic images even when MNIST is found.
        public var synthetic = false
        /// Seed of initialization, training, data and channel simulation.
        public var seed: UInt64 = 0
        /// Channel simulation's block bits (nil: `ChannelSimulationCodec.defaultBlockBits`).
        public var blockBits: Int?

        /// The defaults above.
        public init() {}
    }

    /// Images per window when not told: about a second of work on one core of the AMD EPYC.
    public static func defaultImages(_ method: Method, spatial: Bool) -> Int {
        switch (method, spatial) {
        case (.quantized, false): return 2000
        case (.bitsBack, false): return 1000
        case (.channelSimulation, false): return 500
        case (.quantized, true): return 64
        case (.bitsBack, true): return 8
        case (.channelSimulation, true): return 4
        }
    }

    /// Training steps of a fresh model when not told.
    public static func defaultTrainSteps(spatial: Bool) -> Int { spatial ? 30 : 200 }

    /// One timed window: encoding then decoding `images` images.
    public struct Window: Codable, Sendable {
        /// `window`.
        public var kind = "window"
        /// What ran.
        public var method: String, arch: String, threads: Int, window: Int, images: Int
        /// Wall-clock seconds of encoding and of decoding the window's images.
        public var encodeSeconds: Double, decodeSeconds: Double
        /// Images per second each way.
        public var encodeImagesPerSec: Double, decodeImagesPerSec: Double
        /// Bits per image of what the window's encoding made.
        public var bitsPerImage: Double
        /// Cores' worth of CPU time other processes used during the window (0: a quiet machine).
        public var foreignCores: Double?

        enum CodingKeys: String, CodingKey {
            case kind, method, arch, threads, window, images
            case encodeSeconds = "encode_seconds", decodeSeconds = "decode_seconds"
            case encodeImagesPerSec = "encode_images_per_sec", decodeImagesPerSec = "decode_images_per_sec"
            case bitsPerImage = "bits_per_image", foreignCores = "foreign_cores"
        }
    }

    /// The run's summary line.
    public struct Summary: Codable, Sendable {
        /// `summary`.
        public var kind = "summary"
        /// What ran: method, architecture, threads, images per window, windows.
        public var method: String, arch: String, threads: Int, images: Int, windows: Int
        /// The model (a path, or `fresh(...)` with its training steps) and the images.
        public var model: String, data: String
        /// Example shape [C, H, W] and latent dimensions of one image.
        public var exampleShape: [Int], latentDimensions: Int
        /// The Swift kernels' instruction set and why (`KernelISA`).
        public var kernelISA: String, kernelISAReason: String
        /// Median, min and max over the windows, images/s.
        public var encodeImagesPerSec: Double, encodeImagesPerSecMin: Double, encodeImagesPerSecMax: Double
        /// Median, min and max over the windows, images/s.
        public var decodeImagesPerSec: Double, decodeImagesPerSecMin: Double, decodeImagesPerSecMax: Double
        /// Megapixels (H * W per image) per second at the medians.
        public var encodeMegapixelsPerSec: Double, decodeMegapixelsPerSec: Double
        /// Bits per image (the coded bytes, as `CodingBenchmarkCoders` counts them) and per pixel (H * W).
        public var bitsPerImage: Double, bitsPerPixel: Double
        /// Whether every window decoded exactly what it encoded (symbols, pixels or latents).
        public var roundTrip: Bool

        enum CodingKeys: String, CodingKey {
            case kind, method, arch, threads, images, windows, model, data
            case exampleShape = "example_shape", latentDimensions = "latent_dimensions"
            case kernelISA = "kernel_isa", kernelISAReason = "kernel_isa_reason"
            case encodeImagesPerSec = "encode_images_per_sec", encodeImagesPerSecMin = "encode_images_per_sec_min"
            case encodeImagesPerSecMax = "encode_images_per_sec_max"
            case decodeImagesPerSec = "decode_images_per_sec", decodeImagesPerSecMin = "decode_images_per_sec_min"
            case decodeImagesPerSecMax = "decode_images_per_sec_max"
            case encodeMegapixelsPerSec = "encode_megapixels_per_sec", decodeMegapixelsPerSec = "decode_megapixels_per_sec"
            case bitsPerImage = "bits_per_image", bitsPerPixel = "bits_per_pixel", roundTrip = "round_trip"
        }
    }

    /// The model to code with and its description: the checkpoint, or a fresh model of the
    /// method's channel trained for the options' steps on `images`.
    static func model(_ options: Options, images: () throws -> (Tensor, String)) throws -> (RateDistortionAutoencoder, String) {
        if let path = options.modelPath { return (try Checkpoint.load(path), path) }
        let spatial = options.arch == .spatial
        var config = spatial ? SpatialBenchmark.config(distortion: options.method.distortion, lambda: 1)
                             : TrainingBenchmark.config(options.arch, distortion: options.method.distortion, lambda: 1)
        config.channel = options.method.channel
        config.sigmoidOutput = options.method.distortion.decoderOutputsPerDimension == 1
        var rng = SeededGenerator(seed: options.seed)
        let model = RateDistortionAutoencoder(config: config, rng: &rng)
        let steps = options.trainSteps ?? defaultTrainSteps(spatial: spatial)
        if steps > 0 {
            let (data, _) = try images()
            var training = TrainingOptions()
            training.batchSize = Swift.min(spatial ? SpatialBenchmark.defaultBatch : 64, data.shape[0])
            training.learningRate = 1e-3
            training.schedule = .constant
            training.seed = options.seed
            let trainer = Trainer(model: model, options: training)
            var order = rng.permutation(data.shape[0]), position = 0
            for _ in 0..<steps {
                if position + training.batchSize > order.count { order = rng.permutation(data.shape[0]); position = 0 }
                _ = try trainer.step(data.gatherRows(order[position..<(position + training.batchSize)]))
                position += training.batchSize
            }
        }
        return (model, "fresh(\(config.arch.rawValue), \(config.channel.name), \(config.distortion.rawValue), \(steps) training steps)")
    }

    /// The images for a model of example shape `shape`, rounded to 8-bit levels: MNIST or
    /// synthetic for [1, 28, 28], `SpatialBenchmark.images` for [3, 64, 64]; a one-line error otherwise.
    static func images(shape: [Int], count: Int, options: Options) throws -> (Tensor, String) {
        let (raw, name): (Tensor, String)
        if shape == [1, 28, 28] {
            (raw, name) = TrainingBenchmark.loadImages(dataDir: options.dataDir, synthetic: options.synthetic, seed: options.seed)
        } else if shape == [3, SpatialBenchmark.side, SpatialBenchmark.side] {
            let n = Swift.max(count, 2 * SpatialBenchmark.defaultBatch)
            (raw, name) = (SpatialBenchmark.images(n, seed: options.seed), "synthetic colour 64x64 (n=\(n))")
        } else {
            throw RDAError("bench code codes 28x28 grey or 64x64 RGB images; this model's examples have shape \(shape)")
        }
        let levels = Tensor(shape: raw.shape) { out in
            for i in 0..<out.count { out[i] = (raw.data[i] * 255).rounded() / 255 }
        }
        return (levels, name + ", 8-bit")
    }

    /// Runs the benchmark, calling `window` after each timed window; returns the summary.
    public static func run(_ options: Options, window report: (Window) -> Void = { _ in }) throws -> Summary {
        guard options.windows >= 1, options.warmupWindows >= 0, (options.images ?? 1) >= 1, (options.trainSteps ?? 0) >= 0 else {
            throw RDAError("‹windows› and ‹images› must be positive, ‹warmup› and ‹train-steps› non-negative")
        }
        if let t = options.threads { Threads.set(t) }
        let threads = Threads.count
        let freshShape = options.arch == .spatial ? [3, SpatialBenchmark.side, SpatialBenchmark.side] : [1, 28, 28]
        var cache: (Tensor, String)?
        func data(_ shape: [Int], _ count: Int) throws -> (Tensor, String) {
            if let cache, cache.0.shape[1] == shape.reduce(1, *), cache.0.shape[0] >= count { return cache }
            cache = try images(shape: shape, count: count, options: options)
            return cache!
        }
        let spatialGuess = options.modelPath == nil ? options.arch == .spatial : false
        let (model, modelName) = try Self.model(options) {
            try data(freshShape, options.images ?? defaultImages(options.method, spatial: spatialGuess))
        }
        let shape = model.config.exampleShape
        let n = options.images ?? defaultImages(options.method, spatial: model.config.arch == .spatial)
        let (all, dataName) = try data(shape, n)
        let coder = try CodingBenchmarkCoders.coder(options.method, model: model, blockBits: options.blockBits, seed: options.seed)

        var encodeRates: [Double] = [], decodeRates: [Double] = [], bits: [Double] = [], roundTrip = true
        var offset = 0
        for w in 0..<(options.warmupWindows + options.windows) {
            // each window codes the next `n` images (wrapping round the data)
            let rows = (0..<n).map { (offset + $0) % all.shape[0] }
            offset = (offset + n) % all.shape[0]
            let x = all.gatherRows(rows[...])
            let load = CPULoad()
            let t0 = DispatchTime.now().uptimeNanoseconds
            let coded = try coder.encode(x)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let same = try coder.decode(coded)
            let t2 = DispatchTime.now().uptimeNanoseconds
            let (_, foreign) = load.finish(wallSeconds: Double(t2 - t0) * 1e-9)
            guard w >= options.warmupWindows else { continue }
            let (es, ds) = (Double(t1 - t0) * 1e-9, Double(t2 - t1) * 1e-9)
            roundTrip = roundTrip && same
            encodeRates.append(Double(n) / es); decodeRates.append(Double(n) / ds)
            bits.append(coded.bits / Double(n))
            report(Window(method: options.method.rawValue, arch: model.config.arch.rawValue, threads: threads, window: w - options.warmupWindows,
                          images: n, encodeSeconds: round(es, 4), decodeSeconds: round(ds, 4),
                          encodeImagesPerSec: round(Double(n) / es, 1), decodeImagesPerSec: round(Double(n) / ds, 1),
                          bitsPerImage: round(coded.bits / Double(n), 2), foreignCores: foreign.map { round($0, 2) }))
        }
        let pixels = Double(shape.count == 3 ? shape[1] * shape[2] : model.config.dimensions)
        let (e, d) = (RDAKernels.median(encodeRates), RDAKernels.median(decodeRates)), b = RDAKernels.median(bits)
        return Summary(method: options.method.rawValue, arch: model.config.arch.rawValue, threads: threads, images: n, windows: options.windows,
                       model: modelName, data: dataName, exampleShape: shape, latentDimensions: model.config.latentShape.count,
                       kernelISA: KernelISA.active.rawValue, kernelISAReason: KernelISA.selection.reason.rawValue,
                       encodeImagesPerSec: round(e, 1), encodeImagesPerSecMin: round(encodeRates.min()!, 1), encodeImagesPerSecMax: round(encodeRates.max()!, 1),
                       decodeImagesPerSec: round(d, 1), decodeImagesPerSecMin: round(decodeRates.min()!, 1), decodeImagesPerSecMax: round(decodeRates.max()!, 1),
                       encodeMegapixelsPerSec: round(e * pixels / 1e6, 4), decodeMegapixelsPerSec: round(d * pixels / 1e6, 4),
                       bitsPerImage: round(b, 2), bitsPerPixel: round(b / pixels, 4), roundTrip: roundTrip)
    }

    static func round(_ x: Double, _ digits: Int) -> Double { TrainingBenchmark.round(x, digits) }
}
