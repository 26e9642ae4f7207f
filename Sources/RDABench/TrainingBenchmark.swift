import Foundation
import RDACore
import RDAIO
import RDAKernels
import RDAModel

/// Throughput of the real model: full training steps (`rda bench train`) or forward passes
/// without gradients (`rda bench eval`), on MNIST-shaped data.
///
/// A training step is what `Trainer` does: gather a minibatch from a shuffled permutation, draw
/// the channel noise, forward (encoder, channel, decoder, rate, distortion), backward, Adam. The
/// model is the `mlp` or `conv` preset at latent 32, L2 distortion, standard prior, Adam 1e-3,
/// the same as the PyTorch reference (`scripts/rda_torch.py`), whose FLOP count is used as well
/// (`ModelFLOPs`, counted from the model's own architecture description), so that GFLOP/s
/// figures of both are comparable.
///
/// Timing: `warmupSteps` untimed steps, then `windows` windows of `steps` steps each; the summary
/// gives the median window and its min and max (the machines are shared and noisy).
public enum TrainingBenchmark {
    /// Which step is timed.
    public enum Mode: String, Codable, CaseIterable, Sendable {
        /// A whole training step: forward, backward and the Adam update.
        case train
        /// The forward pass only (encoder, channel, decoder, rate and distortion), no gradients.
        case eval
    }

    /// What to measure.
    public struct Options: Sendable {
        /// The model preset.
        public var arch: Architecture = .mlp
        /// Training steps or forward passes.
        public var mode: Mode = .train
        /// Threads of the worker pool and of OpenBLAS (nil: leave as they are).
        public var threads: Int?
        /// Images per step: the training batch (128), or for `.eval` the evaluator's batch
        /// (`Evaluator.defaultBatchSize`, 1000) when nil.
        public var batchSize: Int?
        /// Timed windows.
        public var windows = 9
        /// Steps per window.
        public var steps = 50
        /// Untimed steps first.
        public var warmupSteps = 10
        /// Folder searched first for MNIST (see `DatasetLocator`); synthetic images when not found.
        public var dataDir: String?
        /// Use synthetic images even when MNIST is found.
        public var synthetic = false
        /// Seed of initialization, batches and noise.
        public var seed: UInt64 = 0
        /// The objective's lambda.
        public var lambda = 1.0
        /// The objective's distortion.
        public var distortion: DistortionKind = .l2
        /// Also time a training-shaped GEMM with the active backend (for `fraction_of_gemm_ceiling`).
        public var measureGEMM = true

        /// The defaults above.
        public init() {}
    }

    /// One timed window.
    public struct Window: Codable, Sendable {
        /// `window`.
        public var kind = "window"
        /// What ran: preset, mode, threads, batch size.
        public var arch: String, mode: String, threads: Int, batch: Int
        /// Window number, steps in it, wall-clock seconds.
        public var window: Int, steps: Int, seconds: Double
        /// Throughput and time per step.
        public var imagesPerSec: Double, msPerStep: Double
        /// CPU time of this process per step (all its threads, spinning included): less
        /// sensitive than wall time to other processes taking the cores.
        public var cpuMsPerStep: Double
        /// Cores' worth of CPU time other processes used during the window (0: a quiet machine).
        public var foreignCores: Double?
        /// Batch means of the last step.
        public var rateNats: Double, distortion: Double

        enum CodingKeys: String, CodingKey {
            case kind, arch, mode, threads, batch, window, steps, seconds, distortion
            case imagesPerSec = "images_per_sec", msPerStep = "ms_per_step", rateNats = "rate_nats"
            case cpuMsPerStep = "cpu_ms_per_step", foreignCores = "foreign_cores"
        }
    }

    /// The run's summary line.
    public struct Summary: Codable, Sendable {
        /// `summary`.
        public var kind = "summary"
        /// What ran: preset, mode, threads, batch size.
        public var arch: String, mode: String, threads: Int, batch: Int
        /// Windows, steps per window, warm-up steps.
        public var windows: Int, steps: Int, warmupSteps: Int
        /// The images used, the GEMM backend of the products (`mixed` when they differ), the
        /// model's parameter count.
        public var data: String, gemmBackend: String
        /// Every distinct product of a timed step: its shape, backend and why.
        public var gemmProducts: [Product]
        /// The Swift GEMM kernel's instruction set (`KernelISA`) and why it runs
        /// (`detected` or `forced_by_RDA_ISA`).
        public var kernelISA: String, kernelISAReason: String
        /// The model's parameter count.
        public var parameters: Int
        /// Median, min and max over the windows.
        public var imagesPerSec: Double, imagesPerSecMin: Double, imagesPerSecMax: Double
        /// Median time per step.
        public var msPerStep: Double
        /// FLOPs per image (the reference's analytic count) and the GFLOP/s they imply at the median.
        public var flopsPerImage: Double, gflopsPerSec: Double
        /// GFLOP/s of `gemmShape` with the active backend and thread count, measured in this run.
        public var gemmGflopsPerSec: Double?, gemmShape: String?
        /// gflopsPerSec over the GEMM rate measured in the same run.
        public var fractionOfGemmCeiling: Double?
        /// Buffers the pool had to get from the system per timed step (0: no steady-state allocation).
        public var bufferAllocationsPerStep: Double
        /// Peak resident memory of the process (VmHWM), data included.
        public var peakRssMB: Double?
        /// Rate and distortion of the last step (a sanity check).
        public var finalRateNats: Double, finalDistortion: Double
        /// Megapixels (H * W per image) per second at the median: `spatial`, whose images are crops.
        public var megapixelsPerSec: Double? = nil
        /// How 4x4 stride-2 convolutions of 16k channels ran: "winograd", or "direct" with
        /// RDA_WINOGRAD=0 (`gflops_per_sec` counts the direct method's FLOPs either way).
        public var convolutions: String = ConvolutionSettings.name

        enum CodingKeys: String, CodingKey {
            case megapixelsPerSec = "megapixels_per_sec", convolutions
            case kind, arch, mode, threads, batch, windows, steps, data, parameters
            case warmupSteps = "warmup_steps", gemmBackend = "gemm_backend", gemmProducts = "gemm_products"
            case kernelISA = "kernel_isa", kernelISAReason = "kernel_isa_reason"
            case imagesPerSec = "images_per_sec", imagesPerSecMin = "images_per_sec_min", imagesPerSecMax = "images_per_sec_max"
            case msPerStep = "ms_per_step"
            case flopsPerImage = "flops_per_image", gflopsPerSec = "gflops_per_sec"
            case gemmGflopsPerSec = "gemm_gflops_per_sec", gemmShape = "gemm_shape"
            case fractionOfGemmCeiling = "fraction_of_gemm_ceiling"
            case bufferAllocationsPerStep = "buffer_allocations_per_step"
            case peakRssMB = "peak_rss_mb"
            case finalRateNats = "final_rate_nats", finalDistortion = "final_distortion"
        }
    }

    /// One distinct matrix product of a step and the backend that ran it.
    public struct Product: Codable, Sendable {
        /// `gemm`.
        public var kind = "gemm"
        /// What ran: preset, mode, threads.
        public var arch: String, mode: String, threads: Int
        /// m x n x k and transposes, e.g. "128x784x512 NT".
        public var shape: String
        /// `pool` (the whole worker pool) or `lane` (one thread inside a parallel loop).
        public var context: String
        /// `swift` or `openblas`, and why (`GEMMChoiceReason`: calibrated, forced_by_RDA_GEMM,
        /// only_one_available, only_swift_in_parallel_lanes).
        public var backend: String, reason: String
        /// Products of this shape per step.
        public var callsPerStep: Double

        enum CodingKeys: String, CodingKey {
            case kind, arch, mode, threads, shape, context, backend, reason
            case callsPerStep = "calls_per_step"
        }
    }

    /// The benchmark model's configuration: the reference's `mlp` or `conv` on 28x28 images.
    public static func config(_ arch: Architecture, distortion: DistortionKind = .l2, lambda: Double = 1) -> ModelConfig {
        ModelConfig(arch: arch, exampleShape: [1, 28, 28], latentDim: 32, widths: arch.defaultWidths,
                    distortion: distortion, lambda: lambda, sigmoidOutput: true, data: "mnist")
    }

    /// The product whose GEMM speed is the ceiling: the model's largest training product.
    public static func ceilingShape(_ config: ModelConfig, batch: Int) -> GEMMShape {
        switch config.arch {
        case .conv, .resnet:
            // the second convolution as one product over the batch: [c2, c1*16] x [c1*16, N*P]
            let p = (config.exampleShape[1] / 4) * (config.exampleShape[2] / 4)
            return GEMMShape(m: config.widths[1], n: batch * p, k: config.widths[0] * 16, isTraining: true)
        case .mlp:
            // the decoder's output layer, forward: [N, h1] x [h1, D]
            return GEMMShape(m: batch, n: config.dimensions, k: config.widths[0], transB: true, isTraining: true)
        case .linear:
            return GEMMShape(m: batch, n: config.dimensions, k: config.latentDim, transB: true, isTraining: true)
        case .spatial:
            // the second convolution as one product over the batch: [w2, w1*16] x [w1*16, N*(H/4)(W/4)]
            let p = (config.exampleShape[1] / 4) * (config.exampleShape[2] / 4)
            let w = config.widths + [config.latentDim]
            return GEMMShape(m: w.count > 1 ? w[1] : w[0], n: batch * p, k: w[0] * 16, isTraining: true)
        }
    }

    /// MNIST training images when found (`dataDir`, then the `DatasetLocator` places), else
    /// `syntheticImages`. Returns the images [N, 784] and a description.
    public static func loadImages(dataDir: String?, synthetic: Bool, seed: UInt64) -> (Tensor, String) {
        if !synthetic, let files = try? DatasetLocator.locate("mnist", dataDir: dataDir),
           let images = try? IDX.readImages(at: files.trainImages), images.rows == 28, images.cols == 28, images.channels == 1 {
            let t = images.pixels.withUnsafeBufferPointer { src in
                Tensor(shape: [images.count, 784]) { dst in
                    for i in 0..<dst.count { dst[i] = Float(src[i]) / 255 }
                }
            }
            return (t, files.trainImages.lastPathComponent)
        }
        return (syntheticImages(8192, seed: seed), "synthetic(n=8192,seed=\(seed))")
    }

    /// `n` MNIST-shaped images [n, 784] in [0, 1]: one to four soft elliptical strokes each plus
    /// a little pixel noise, clipped; deterministic given `seed`.
    public static func syntheticImages(_ n: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor(shape: [n, 784]) { out in
            for i in 0..<n {
                let img = out.baseAddress! + i * 784
                img.update(repeating: 0, count: 784)
                let strokes = 1 + Int(rng.next() % 4)
                for _ in 0..<strokes {
                    let cy = 6 + 16 * rng.nextFloat(), cx = 6 + 16 * rng.nextFloat()
                    let sy = 1.2 + 3.3 * rng.nextFloat(), sx = 1.2 + 3.3 * rng.nextFloat()
                    let angle = Float.pi * rng.nextFloat(), amp = 0.6 + 0.4 * rng.nextFloat()
                    let c = Foundation.cos(angle), s = Foundation.sin(angle)
                    for y in 0..<28 { for x in 0..<28 {
                        let dy = Float(y) - cy, dx = Float(x) - cx
                        let u = (c * dx + s * dy) / sx, v = (c * dy - s * dx) / sy
                        img[y * 28 + x] += amp * Foundation.exp(-0.5 * (u * u + v * v))
                    } }
                }
                for p in 0..<784 { img[p] = Swift.min(1, Swift.max(0, img[p] + 0.05 * rng.nextNormal())) }
            }
        }
    }

    /// Peak resident memory of this process in MB (VmHWM of /proc/self/status), nil off Linux.
    public static func peakResidentMB() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first
            return kb.map { $0 / 1024 }
        }
        return nil
    }

    /// Runs the benchmark, calling `window` after each timed window; returns the summary.
    public static func run(_ options: Options, window report: (Window) -> Void = { _ in }) -> Summary {
        if let t = options.threads { Threads.set(t) }
        let threads = Threads.count
        let spatial = options.arch == .spatial
        let config = spatial ? SpatialBenchmark.config(distortion: options.distortion, lambda: options.lambda)
                             : config(options.arch, distortion: options.distortion, lambda: options.lambda)
        let (images, dataName) = spatial ? (SpatialBenchmark.images(256, seed: options.seed), "synthetic colour 64x64 (n=256)")
                                         : loadImages(dataDir: options.dataDir, synthetic: options.synthetic, seed: options.seed)
        let n = images.shape[0], b = options.batchSize ?? (spatial ? SpatialBenchmark.defaultBatch : options.mode == .eval ? Evaluator.defaultBatchSize : 128)
        precondition(b >= 1 && b <= n, "batch size \(b) must be in 1...\(n)")
        var trainingOptions = TrainingOptions()
        trainingOptions.batchSize = b
        trainingOptions.learningRate = 1e-3
        trainingOptions.schedule = .constant
        trainingOptions.seed = options.seed
        // training chooses its GEMM policy as `rda train` does; evaluation keeps the per-shape choice
        if options.mode == .train { Trainer.calibrateGEMM(config: config, options: trainingOptions) }
        var rng = SeededGenerator(seed: options.seed)
        let model = RateDistortionAutoencoder(config: config, rng: &rng)
        let trainer = Trainer(model: model, options: trainingOptions)
        var noise = SeededGenerator(seed: options.seed ^ 0x5EED)

        // Minibatches as the trainer draws them (consecutive slices of a shuffled permutation),
        // or for evaluation as the evaluator reads them (consecutive examples, in order).
        let training = options.mode == .train
        var order = training ? rng.permutation(n) : [], position = 0
        var last = (rate: 0.0, distortion: 0.0)
        func step() {
            if position + b > n {
                position = 0
                if training { order = rng.permutation(n) }
            }
            let y = training ? images.gatherRows(order[position..<(position + b)]) : images.slice(position..<(position + b))
            position += b
            switch options.mode {
            case .train:
                last = (try? trainer.step(y)) ?? (rate: .nan, distortion: .nan)
            case .eval:
                withoutGradients {
                    let eps = model.drawNoise(rows: b, mode: .evaluation, using: &noise)
                    let f = model.forward(y, noise: eps, mode: .evaluation)
                    last = (mean(f.rate), mean(f.distortion))
                }
            }
        }

        for _ in 0..<options.warmupSteps { step() }
        GEMMSelector.shared.startRecording()
        var rates: [Double] = []
        let allocationsBefore = BufferPool.shared.systemAllocations
        for w in 0..<max(1, options.windows) {
            let load = CPULoad()
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<options.steps { step() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            let (ownSeconds, foreign) = load.finish(wallSeconds: seconds)
            let ips = Double(options.steps * b) / seconds
            rates.append(ips)
            report(Window(arch: config.arch.rawValue, mode: options.mode.rawValue, threads: threads, batch: b,
                          window: w, steps: options.steps, seconds: round(seconds, 4),
                          imagesPerSec: round(ips, 1), msPerStep: round(1000 * seconds / Double(options.steps), 3),
                          cpuMsPerStep: round(1000 * ownSeconds / Double(options.steps), 3), foreignCores: foreign.map { round($0, 2) },
                          rateNats: round(last.rate, 4), distortion: round(last.distortion, 4)))
        }
        let timedSteps = max(1, options.windows) * options.steps
        let products = GEMMSelector.shared.stopRecording().map {
            Product(arch: config.arch.rawValue, mode: options.mode.rawValue, threads: $0.threads, shape: $0.shape.description,
                    context: $0.context.rawValue, backend: $0.choice.backend.rawValue, reason: $0.choice.reason.rawValue,
                    callsPerStep: round(Double($0.calls) / Double(timedSteps), 3))
        }
        let backends = Set(products.map(\.backend))
        let allocations = Double(BufferPool.shared.systemAllocations - allocationsBefore) / Double(max(1, timedSteps))

        let sorted = rates.sorted()
        let median = RDAKernels.median(rates)
        let flops = ModelFLOPs.perImage(ArchitectureDescription(model), training: options.mode == .train)
        let gflops = median * flops / 1e9
        var gemm: Double?, shapeText: String?
        if options.measureGEMM {
            let shape = ceilingShape(config, batch: b)
            gemm = GEMMBenchmark.gflops(backend: ProductBackend.pool(shape).backend, threads: threads, shape: shape, repetitions: 7, windowSeconds: 0.03)
            shapeText = shape.description
        }
        var summary = Summary(arch: config.arch.rawValue, mode: options.mode.rawValue, threads: threads, batch: b,
                       windows: rates.count, steps: options.steps, warmupSteps: options.warmupSteps,
                       data: dataName, gemmBackend: backends.count == 1 ? backends.first! : (backends.isEmpty ? "none" : "mixed"),
                       gemmProducts: products, kernelISA: KernelISA.active.rawValue,
                       kernelISAReason: KernelISA.selection.reason.rawValue, parameters: model.parameters.reduce(0) { $0 + $1.count },
                       imagesPerSec: round(median, 1), imagesPerSecMin: round(sorted.first!, 1), imagesPerSecMax: round(sorted.last!, 1),
                       msPerStep: round(1000 * Double(b) / median, 3),
                       flopsPerImage: flops, gflopsPerSec: round(gflops, 2),
                       gemmGflopsPerSec: gemm.map { round($0, 2) }, gemmShape: shapeText,
                       fractionOfGemmCeiling: gemm.map { round(gflops / $0, 3) },
                       bufferAllocationsPerStep: round(allocations, 3),
                       peakRssMB: peakResidentMB().map { round($0, 1) },
                       finalRateNats: round(last.rate, 4), finalDistortion: round(last.distortion, 4))
        if spatial { summary.megapixelsPerSec = round(median * Double(config.exampleShape[1] * config.exampleShape[2]) / 1e6, 4) }
        return summary
    }

    /// The mean of a tensor's elements.
    static func mean(_ t: Tensor) -> Double {
        var total = 0.0
        for i in 0..<t.count { total += Double(t.data[i]) }
        return total / Double(Swift.max(t.count, 1))
    }

    static func round(_ x: Double, _ digits: Int) -> Double {
        let p = Foundation.pow(10, Double(digits))
        return (x * p).rounded() / p
    }
}
