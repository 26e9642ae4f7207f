import ArgumentParser
import Foundation
import RDABench
import RDACore
import RDAKernels

/// `rda bench gemm`: GFLOP/s of each GEMM backend on the training shapes and large squares.
///
/// Prints first the Swift kernel's instruction set (`KernelISA`: which variant runs and why)
/// and the FMA peak of each supported vector width per thread count, then one JSON line per
/// (backend, threads, shape) (the Swift kernel once per supported variant, `isa`), one per (threads, training shape) with the
/// backend rda's products of that shape use and why (`GEMMChoiceReason`), then one summary line with, per thread
/// count, the speed of the Swift kernel relative to OpenBLAS on the training shapes (measured in
/// the same run, backend after backend for each shape, since the machines are noisy).
struct BenchGEMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GEMM speed of each backend"
    )

    @Option(help: "Comma-separated thread counts to measure.")
    var threads: String = "1,2"

    @Flag(help: "Shorter timing windows, fewer repetitions, and no 1024^3 product.")
    var quick = false

    struct Record: Encodable {
        var backend: String
        /// The Swift kernel's instruction set (nil for OpenBLAS).
        var isa: String?
        var threads: Int
        var m: Int
        var n: Int
        var k: Int
        var transpose: String
        var training: Bool
        var gflops: Double
    }

    struct ISALine: Encodable {
        var kind = "isa"
        var isa: String
        var reason: String
        var cpu: String
        var features: String
    }

    struct FMAPeak: Encodable {
        var kind = "fma_peak"
        var isa: String
        var threads: Int
        var gflops: Double
    }

    struct Choice: Encodable {
        var kind = "choice"
        var threads: Int
        var shape: String
        var backend: String
        var reason: String
    }

    struct ThreadSummary: Encodable {
        var threads: Int
        /// Geometric mean over the training shapes of swift GFLOP/s / openblas GFLOP/s.
        var ratio: Double?
        var minRatio: Double?
        var perShape: [String: Double]

        enum CodingKeys: String, CodingKey {
            case threads, ratio
            case minRatio = "min_ratio"
            case perShape = "per_shape"
        }
    }

    struct Summary: Encodable {
        var summary = "gemm swift/openblas on the training shapes"
        var openblas: Bool
        var openblasCore: String?
        var ratios: [ThreadSummary]

        enum CodingKeys: String, CodingKey {
            case summary, openblas, ratios
            case openblasCore = "openblas_core"
        }
    }

    func validate() throws {
        _ = try threadCounts()
    }

    func threadCounts() throws -> [Int] {
        let counts = threads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = counts.compactMap { Int($0) }
        guard !parsed.isEmpty, parsed.count == counts.count, parsed.allSatisfy({ (1...64).contains($0) }) else {
            throw ValidationError("--threads takes comma-separated counts in 1...64, e.g. 1,2")
        }
        return parsed
    }

    func run() throws {
        let counts = try threadCounts()
        let backends = GEMMBenchmark.availableBackends
        let shapes = quick
            ? GEMMBenchmark.trainingShapes + GEMMBenchmark.squareShapes.filter { $0.m <= 512 }
            : GEMMBenchmark.standardShapes
        let repetitions = quick ? 3 : 7
        let window = quick ? 0.01 : 0.03

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func emit<T: Encodable>(_ value: T) throws {
            let data = try encoder.encode(value)
            print(String(decoding: data, as: UTF8.self))
            fflush(stdout)
        }

        let selection = KernelISA.selection
        try emit(ISALine(isa: selection.isa.rawValue, reason: selection.reason.rawValue,
                         cpu: GEMMMachineKey.current(openBLASCore: nil, openBLASAvailable: false).cpuModel,
                         features: KernelISA.featureSummary))
        // Every vector variant this CPU runs, the active one last (the summary's Swift rate).
        let variants = KernelISA.supported.filter { $0 != .baseline && $0 != selection.isa } + [selection.isa]
        for threadCount in counts {
            for isa in variants where isa != .baseline {
                let peak = GEMMBenchmark.fmaPeak(isa: isa, threads: threadCount)
                try emit(FMAPeak(isa: isa.rawValue, threads: threadCount, gflops: (peak * 10).rounded() / 10))
            }
        }

        var summaries: [ThreadSummary] = []
        for threadCount in counts {
            var ratios: [String: Double] = [:]
            for shape in shapes {
                var rate: [GEMMBackend: Double] = [:]
                for backend in backends {
                    for isa in backend == .swift ? variants.map(Optional.some) : [nil] {
                        let gflops = GEMMBenchmark.gflops(
                            backend: backend, threads: threadCount, shape: shape, isa: isa,
                            repetitions: repetitions, windowSeconds: window)
                        rate[backend] = gflops
                        try emit(Record(backend: backend.rawValue, isa: isa?.rawValue, threads: threadCount, m: shape.m, n: shape.n,
                                        k: shape.k, transpose: shape.transpose, training: shape.isTraining,
                                        gflops: (gflops * 10).rounded() / 10))
                    }
                }
                if shape.isTraining {
                    let previous = Threads.count
                    Threads.set(threadCount)
                    let choice = ProductBackend.pool(shape)
                    Threads.set(previous)
                    try emit(Choice(threads: threadCount, shape: shape.description,
                                    backend: choice.backend.rawValue, reason: choice.reason.rawValue))
                }
                if shape.isTraining, let s = rate[.swift], let o = rate[.openblas], o > 0 {
                    ratios[shape.description] = (s / o * 1000).rounded() / 1000
                }
            }
            let values = Array(ratios.values)
            let geometricMean = values.isEmpty
                ? nil : exp(values.map { log($0) }.reduce(0, +) / Double(values.count))
            summaries.append(ThreadSummary(
                threads: threadCount,
                ratio: geometricMean.map { ($0 * 1000).rounded() / 1000 },
                minRatio: values.min(),
                perShape: ratios))
        }
        try emit(Summary(openblas: GEMM.isOpenBLASAvailable, openblasCore: GEMM.openBLASCoreName, ratios: summaries))
    }
}
