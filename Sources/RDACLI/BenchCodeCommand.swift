import ArgumentParser
import Foundation
import RDABench
import RDACoding
import RDAKernels
import RDAModel

/// `rda bench code`: images/s and megapixels/s of the three coders, encoding and decoding.
struct BenchCode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Coding throughput of quantized, bits-back and channel-simulation coding (JSON lines: windows, then a summary per method).",
        discussion: """
            Each window encodes --images images into the bytes a .rdac file holds (network and coder) and decodes them back, \
            checking the round trip. Without --model each method codes with a fresh model of its channel (quantized; Gaussian \
            with discretized-logistic distortion for bits-back; Gaussian with L2 for channel simulation), trained --train-steps \
            steps first: --arch mlp or conv on MNIST-shaped 28x28 images, spatial on 64x64 RGB images.
            """)

    @Option(help: "A method to time: quantized, bits-back or channel-simulation (repeatable; default: all three, or with --model those its channel can do).")
    var method: [CodingBenchmark.Method] = []

    @Option(help: "Architecture of the fresh models: mlp or conv (28x28 grey, MNIST or synthetic), or spatial (64x64 RGB synthetic).")
    var arch: ModelBenchOptions.Preset = .conv

    @Option(help: "Code with this model (DIR or DIR/model.safetensors) instead of fresh ones: 28x28 grey or 64x64 RGB examples.")
    var model: String?

    @Option(help: "Threads of the worker pool (default: RDA_THREADS or all cores).")
    var threads: Int?

    @Option(help: "Images per window (default: about a second's work, e.g. 2000 for quantized 28x28, 4 for channel simulation at 64x64).")
    var images: Int?

    @Option(help: "Timed windows (the summary reports their median, min and max).")
    var windows: Int = 5

    @Option(help: "Untimed windows before the first timed one.")
    var warmup: Int = 1

    @Option(help: "Training steps of each fresh model before it codes (default 200, spatial 30).")
    var trainSteps: Int?

    @Option(help: "Folder searched first for MNIST (then $RDA_DATA_DIR/mnist, /usr/share/datasets/mnist, ~/.cache/rda/mnist). Synthetic images when not found.")
    var dataDir: String?

    @Flag(help: "Use synthetic MNIST-shaped images even when MNIST is found.")
    var synthetic = false

    @Option(help: "Seed of initialization, training, data and channel simulation.")
    var seed: UInt64 = 0

    @Option(help: "Channel simulation's block bits (default: as rda compress, chosen by the rate).")
    var blockBits: Int?

    func validate() throws {
        if let t = threads, !(1...64).contains(t) { throw ValidationError("--threads must be in 1...64") }
        guard (images ?? 1) >= 1, (images ?? 1) <= 1_000_000, windows >= 1, windows <= 10_000, warmup >= 0, warmup <= 10_000 else {
            throw ValidationError("--images (at most 1000000) and --windows (at most 10000) must be positive, --warmup 0...10000")
        }
        if let s = trainSteps, !(0...1_000_000).contains(s) { throw ValidationError("--train-steps must be in 0...1000000") }
        if let b = blockBits, !(1...ChannelSimulationPlan.maximumBlockBits).contains(b) { throw ValidationError("--block-bits must be in 1...\(ChannelSimulationPlan.maximumBlockBits)") }
        if Set(method).count != method.count { throw ValidationError("--method names a method twice") }
        if let model, model.isEmpty { throw ValidationError("--model must name a model file or folder") }
    }

    func run() throws {
        try reportingErrors {
            let output = JSONLineOutput()
            func emit<T: Encodable>(_ value: T) { output.emit(value) }
            // bits-back last: it makes the Swift GEMM the process's policy
            let explicit = !method.isEmpty
            let methods = (explicit ? method : CodingBenchmark.Method.allCases).sorted { ($0 == .bitsBack ? 1 : 0) < ($1 == .bitsBack ? 1 : 0) }
            var ran = 0, refusal: RDAError?
            for m in methods {
                var o = CodingBenchmark.Options()
                o.method = m; o.arch = arch.architecture; o.modelPath = model; o.threads = threads; o.images = images
                o.windows = windows; o.warmupWindows = warmup; o.trainSteps = trainSteps; o.dataDir = dataDir
                o.synthetic = synthetic; o.seed = seed; o.blockBits = blockBits
                do {
                    emit(try CodingBenchmark.run(o) { emit($0) })
                    ran += 1
                } catch let error as RDAError where !explicit && model != nil {   // a method the model's channel cannot do
                    FileHandle.standardError.write(Data("# \(m.rawValue) skipped: \(error)\n".utf8))
                    refusal = error
                }
            }
            if ran == 0, let refusal { throw refusal }
        }
    }
}

extension CodingBenchmark.Method: ExpressibleByArgument {}
