import FuzzSupport
import Foundation
import RDACore
import RDAIO
import RDAReport
@testable import RDAModel   // TrainingPosition's memberwise init (the fuzz build has -enable-testing)

/// What `rda train --resume` reads (issue 25): run.json (`TrainingRun.readRecord`: decoded, then
/// validated like the command line's options) and state.safetensors (`TrainingState.restore`
/// into a small model: checksum, format, position, every tensor); and what `rda sweep --merge`
/// and `rda plot` read: a sweep record (a lambda folder's eval.json beside its run.json,
/// `Sweep.finished`) and a curve file (`CurveData.read`). Each input is tried as all four.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRunFiles(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(bytes, count)
    Fuzz.expectCleanOutcome("run.json") {
        _ = try Fuzz.withTemporaryFile(data, name: "run.json") { try TrainingRun.readRecord($0) }
    }
    Fuzz.expectCleanOutcome("state.safetensors") {
        let trainer = RunFileSeeds.trainer()
        _ = try Fuzz.withTemporaryFile(data, name: "state.safetensors") { try TrainingState.restore(trainer, from: $0) }
    }
    Fuzz.expectCleanOutcome("sweep record") {
        _ = try Fuzz.withTemporaryFile(data, name: "eval.json") { eval in
            let folder = eval.deletingLastPathComponent()
            _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("run.json").path, contents: RunFileSeeds.runJSON)
            defer { try? FileManager.default.removeItem(at: folder.appendingPathComponent("run.json")) }
            return try Sweep.finished(folder)
        }
    }
    Fuzz.expectCleanOutcome("curve.json") {
        _ = try Fuzz.withTemporaryFile(data, name: "curve.json") { try CurveData.read(from: $0) }
    }
    return 0
}

/// The small model the states belong to, and the seeds: a run.json and checkpoints of it.
enum RunFileSeeds {
    static let config = ModelConfig(arch: .mlp, exampleShape: [3], latentDim: 2, widths: [4],
                                    distortion: .l2, lambda: 2, sigmoidOutput: false, data: "gaussian:2,1,0.5",
                                    channel: .gaussian(prior: .learned))

    static func trainer() -> Trainer {
        var rng = SeededGenerator(seed: 1)
        var options = TrainingOptions()
        options.epochs = 2
        options.batchSize = 4
        return Trainer(model: RateDistortionAutoencoder(config: config, rng: &rng), options: options)
    }

    /// The run.json of the seeds' run (beside a fuzzed eval.json in a sweep record).
    static let runJSON: Data = {
        var request = TrainRequest()
        request.data = config.data
        request.epochs = 2
        request.batchSize = 4
        return (try? JSONEncoder.pretty.encode(TrainingRun.Record(request: request, config: config, options: trainer().options))) ?? Data()
    }()

    static func seeds() throws -> [(String, Data)] {
        var request = TrainRequest()
        request.data = config.data
        request.epochs = 2
        request.batchSize = 4
        let t = trainer()
        let record = TrainingRun.Record(request: request, config: config, options: t.options)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rda-fuzz-run-seeds-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state.safetensors")
        var seeds: [(String, Data)] = [("run.json", try JSONEncoder.pretty.encode(record))]
        let start = TrainingPosition(epoch: 1, step: 1, epochStartRNG: 7, rng: 9, sumRate: 0.5, sumDistortion: 1.5, seconds: 0.1, history: [])
        try TrainingState.save(t, at: start, to: state)
        seeds.append(("state.safetensors", try Data(contentsOf: state)))
        // an evaluation of the seeds' model (a sweep record's eval.json) and a two-point curve
        var rng = SeededGenerator(seed: 2)
        let test = Dataset(examples: Tensor.randomNormal([16, 3], using: &rng), exampleShape: [3], isImage: false)
        let report = try Evaluator.evaluate(model: t.model, data: test, split: .test, dataName: config.data, seed: 0, miExamples: 16)
        seeds.append(("eval.json", try JSONEncoder.pretty.encodeFinite(report)))
        let curve = CurveData(name: "fuzz", description: "seed", data: config.data, distortionKind: "l2",
                              results: CurveData.Results(lambda: [1, 2], rateNats: [1, 2], rateBits: [1.4, 2.9], distortion: [2, 1],
                                                         msePerDim: [0.5, 0.25], psnrDb: [nil, nil], miEstimateNats: nil, objective: [3, 4]),
                              bound: nil)
        seeds.append(("curve.json", try curve.jsonData()))
        return seeds
    }
}

/// With `RDA_FUZZ_SEEDS=DIR`, writes the seed inputs into DIR before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    Seeds.writeIfAsked { try RunFileSeeds.seeds() }
    return 0
}
