import ArgumentParser
import Foundation
import RDABench
import RDAKernels
import RDAModel

/// Options shared by `rda bench train` and `rda bench eval`.
struct ModelBenchOptions: ParsableArguments {
    /// The presets a benchmark runs (no linear one).
    enum Preset: String, CaseIterable, ExpressibleByArgument {
        case mlp, conv, resnet, spatial
        var architecture: Architecture {
            switch self {
            case .mlp: return .mlp
            case .conv: return .conv
            case .resnet: return .resnet
            case .spatial: return .spatial
            }
        }
    }

    @Option(help: "Model preset: mlp or conv (latent 32, L2, standard prior, as the PyTorch reference), resnet (latent 32 and ResNetwork's defaults), or spatial (the default spatial model on synthetic 64x64 RGB images, batch 16).")
    var arch: Preset = .mlp

    @Option(help: "Threads of the worker pool and OpenBLAS (default: RDA_THREADS or all cores).")
    var threads: Int?

    @Option(help: "Images per step (default: 128 for train, the evaluator's 1000 for eval).")
    var batchSize: Int?

    @Option(help: "Timed windows (the summary reports their median, min and max).")
    var windows: Int = 9

    @Option(help: "Steps per timed window.")
    var steps: Int = 50

    @Option(help: "Untimed steps before the first window.")
    var warmup: Int = 10

    @Option(help: "Folder searched first for MNIST (then $RDA_DATA_DIR/mnist, /usr/share/datasets/mnist, ~/.cache/rda/mnist). Synthetic images when not found.")
    var dataDir: String?

    @Flag(help: "Use synthetic MNIST-shaped images even when MNIST is found.")
    var synthetic = false

    @Option(help: "Seed of initialization, shuffling and channel noise.")
    var seed: UInt64 = 0

    @Flag(help: "Skip the GEMM ceiling measurement.")
    var noGemm = false

    func validate() throws {
        if let t = threads, !(1...64).contains(t) { throw ValidationError("--threads must be in 1...64") }
        guard (batchSize ?? 1) >= 1, windows >= 1, steps >= 1, warmup >= 0 else {
            throw ValidationError("--batch-size, --windows and --steps must be positive, --warmup non-negative")
        }
    }

    func run(_ mode: TrainingBenchmark.Mode) throws {
        var o = TrainingBenchmark.Options()
        o.arch = arch.architecture; o.mode = mode; o.threads = threads; o.batchSize = batchSize
        o.windows = windows; o.steps = steps; o.warmupSteps = warmup; o.seed = seed
        o.synthetic = synthetic; o.measureGEMM = !noGemm
        o.dataDir = dataDir
        let output = JSONLineOutput()
        func emit<T: Encodable>(_ value: T) { output.emit(value) }
        let summary = TrainingBenchmark.run(o) { emit($0) }
        FileHandle.standardError.write(Data(
            "# kernel isa: \(summary.kernelISA) (\(summary.kernelISAReason); cpu has \(KernelISA.featureSummary))\n".utf8))
        FileHandle.standardError.write(Data(
            "# convolutions: \(summary.convolutions) (4x4 stride-2 kernels of 16k channels; RDA_WINOGRAD=0: direct)\n".utf8))
        for product in summary.gemmProducts {
            FileHandle.standardError.write(Data(
                "# gemm \(product.shape) (\(product.context), \(product.threads) threads): \(product.backend), \(product.reason)\n".utf8))
        }
        emit(summary)
    }
}

/// `rda bench train`: images per second of full training steps of the real model.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training throughput of the mlp or conv model (JSON lines: windows, then a summary).",
        discussion: "A step gathers a minibatch, runs forward, rate and distortion, backward and Adam, as rda train does.")

    @OptionGroup var options: ModelBenchOptions

    func run() throws { try options.run(.train) }
}

/// `rda bench eval`: images per second of forward passes without gradients.
struct BenchEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluation throughput (forward only, no gradients) of the mlp or conv model.")

    @OptionGroup var options: ModelBenchOptions

    func run() throws { try options.run(.eval) }
}
