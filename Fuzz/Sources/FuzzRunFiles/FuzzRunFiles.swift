import FuzzSupport
import Foundation
import RDACore
@testable import RDAModel   // TrainingPosition's memberwise init (the fuzz build has -enable-testing)

/// What `rda train --resume` reads (issue 25): run.json (`TrainingRun.readRecord`: decoded, then
/// validated like the command line's options) and state.safetensors (`TrainingState.restore`
/// into a small model: checksum, format, position, every tensor). Each input is tried as both.
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
        return seeds
    }
}

/// With `RDA_FUZZ_SEEDS=DIR`, writes the seed inputs into DIR before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    Seeds.writeIfAsked { try RunFileSeeds.seeds() }
    return 0
}
