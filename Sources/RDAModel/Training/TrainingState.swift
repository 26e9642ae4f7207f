import RDAKernels
import Foundation
import RDACore
import RDAIO

/// Where a training run stands between two steps: with the weights and Adam's state, all that
/// an exact resume needs.
public struct TrainingPosition: Codable, Sendable {
    /// The epoch under way (1-based); `epochs + 1` once training is over.
    public var epoch: Int
    /// Steps of that epoch already done (its next batch is `order[step * B ..< (step + 1) * B]`).
    public var step: Int
    /// The trainer generator's state before it drew this epoch's permutation (the permutation is
    /// drawn again from it on resume).
    public var epochStartRNG: UInt64
    /// The trainer generator's state now (at step 0, before the epoch's permutation: the same
    /// as `epochStartRNG`).
    public var rng: UInt64
    /// Sums over this epoch's steps so far of the batch rate and distortion (the epoch's metrics).
    public var sumRate: Double, sumDistortion: Double
    /// Seconds this epoch has trained so far.
    public var seconds: Double
    /// The metrics of the finished epochs.
    public var history: [EpochMetrics]

    enum CodingKeys: String, CodingKey {
        case epoch, step, seconds, history
        case epochStartRNG = "epoch_start_rng", rng
        case sumRate = "sum_rate", sumDistortion = "sum_distortion"
    }
}

/// When `Trainer.train` checkpoints within an epoch (it always does at an epoch's end).
public struct CheckpointPolicy: Equatable, Sendable {
    /// Every this many steps (nil: not by steps).
    public var steps: Int?
    /// Every this many seconds (nil: not by time).
    public var seconds: Double?

    /// Checkpoints every `steps` steps or every `seconds` seconds, whichever comes first (both nil: `never`).
    public init(steps: Int? = nil, seconds: Double? = nil) { self.steps = steps; self.seconds = seconds }

    /// Only at the end of epochs.
    public static let never = CheckpointPolicy()

    func isDue(steps done: Int, since last: Date) -> Bool {
        if let s = steps, done >= s { return true }
        if let t = seconds, Date().timeIntervalSince(last) >= t { return true }
        return false
    }
}

/// The resumable state of a training run, `DIR/state.safetensors`, written atomically at every
/// checkpoint and removed once the run has finished:
///
///     model.<name>   every weight, as in model.safetensors (the weights at that instant)
///     adam.m.<name>  Adam's first moments, [same shape as the weight]
///     adam.v.<name>  Adam's second moments, [same shape as the weight]
///     metadata       rda.format = rda-train-state-1, rda.adam_step (Adam's step count t),
///                    rda.position (`TrainingPosition` as JSON: epoch, step in the epoch, the
///                    trainer generator's state now and at the epoch's start, the epoch's sums),
///                    rda.gemm (the GEMM setup), rda.gemm_shapes (the per-shape backend
///                    decisions so far, JSON: calibration-entry name -> backend),
///                    rda.checksum (`TrainingStateChecksum`: SHA-256 of everything else)
///
/// One file holds one instant: the weights, the moments and the position always agree.
public enum TrainingState {
    /// The state's file name inside a run folder.
    public static let fileName = "state.safetensors"
    static let format = "rda-train-state-1"

    /// JSON of positions: sorted keys, non-finite epoch means (a diverging run) as strings.
    static var positionEncoder: JSONEncoder {
        let e = JSONEncoder.sorted
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static var positionDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Writes the state of `trainer` at `position` to `url` (atomically). `gemm` (see
    /// `TrainingRun.gemmSetup`) records which GEMM backends run the steps, so that a resume under
    /// another setup is refused rather than continued into another model; `selector`'s per-shape
    /// decisions are recorded too, and a resume adopts them (`restore`).
    public static func save(_ trainer: Trainer, at position: TrainingPosition, to url: URL, gemm: String? = nil,
                            selector: GEMMSelector = .shared) throws {
        var file = SafetensorsFile()
        let named = trainer.model.namedParameters
        let adam = trainer.optimizer.state
        precondition(adam.m.count == named.count, "optimizer and model disagree")
        for (i, (name, t)) in named.enumerated() {
            file.set("model.\(name)", shape: t.shape, values: t.values)
            file.set("adam.m.\(name)", shape: t.shape, values: adam.m[i].values)
            file.set("adam.v.\(name)", shape: t.shape, values: adam.v[i].values)
        }
        file.metadata = ["rda.format": format, "rda.adam_step": String(adam.step),
                         "rda.position": String(decoding: try positionEncoder.encode(position), as: UTF8.self)]
        if let gemm { file.metadata[gemmKey] = gemm }
        file.metadata[convolutionsKey] = ConvolutionSettings.name
        let decisions = selector.perShapeDecisions
        if !decisions.isEmpty {
            file.metadata[gemmShapesKey] = String(decoding: try JSONEncoder.sorted.encode(decisions.mapValues(\.rawValue)), as: UTF8.self)
        }
        TrainingStateChecksum.stamp(&file)
        try file.write(to: url)
    }

    /// The metadata key of the GEMM setup the state was trained under.
    static let gemmKey = "rda.gemm"
    /// The GEMM setup recorded in the state at `url` (`rda.gemm`), or nil when the file or the
    /// key is missing or unreadable (`restore` reports those).
    static func recordedGEMMSetup(_ url: URL) -> String? {
        (try? SafetensorsFile.read(from: url))?.metadata[gemmKey]
    }

    /// The metadata key of how the 4x4 stride-2 convolutions ran (`ConvolutionSettings.name`): their bits
    /// differ, so a resume must run them alike.
    static let convolutionsKey = "rda.convolutions"

    /// The metadata key of the per-shape GEMM decisions the state was trained with.
    static let gemmShapesKey = "rda.gemm_shapes"

    /// Restores the weights, Adam's moments and step count and the generator of `trainer` from
    /// the state file at `url`, and returns the position to continue from. Throws a one-line
    /// error when the file is damaged or belongs to another model, or when it records a GEMM
    /// setup other than `gemm` (when both are given).
    /// Per-shape GEMM decisions recorded in the state are adopted by `selector`, so that the
    /// resumed steps run on the backends the interrupted ones did, whatever the calibration
    /// cache says now.
    public static func restore(_ trainer: Trainer, from url: URL, gemm: String? = nil,
                               selector: GEMMSelector = .shared) throws -> TrainingPosition {
        let file = try SafetensorsFile.read(from: url)
        func bad(_ what: String) -> RDAError {
            RDAError("\(url.path): \(what); the training state is damaged or from another run: remove it and train again with ‹force›")
        }
        guard file.metadata["rda.format"] == format else { throw bad("not an rda training state (rda.format is not \(format))") }
        guard TrainingStateChecksum.matches(file) else { throw bad("its checksum (rda.checksum) does not match its contents") }
        if let gemm, let recorded = file.metadata[gemmKey], recorded != gemm {
            throw RDAError("\(url.path): the run was trained with GEMM \(recorded) and would continue with \(gemm), giving another model than an uninterrupted run; resume with the same RDA_GEMM, OpenBLAS and calibration cache (~/.cache/rda), or train again with ‹force›")
        }
        if let recorded = file.metadata[convolutionsKey], recorded != ConvolutionSettings.name {
            throw RDAError("\(url.path): the run was trained with \(recorded) convolutions and would continue with \(ConvolutionSettings.name) ones, giving another model than an uninterrupted run; resume with \(recorded == "direct" ? "RDA_WINOGRAD=0" : "RDA_WINOGRAD unset"), or train again with ‹force›")
        }
        if let text = file.metadata[gemmShapesKey] {
            guard let raw = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else {
                throw bad("its per-shape GEMM decisions (\(gemmShapesKey)) are unreadable")
            }
            var decisions: [String: GEMMBackend] = [:]
            for (name, value) in raw {
                guard let backend = GEMMBackend(rawValue: value) else { throw bad("its per-shape GEMM decisions name a backend '\(value)'") }
                decisions[name] = backend
            }
            selector.adopt(decisions)
        }
        guard let stepText = file.metadata["rda.adam_step"], let adamStep = Int(stepText), adamStep >= 0 else { throw bad("no valid rda.adam_step") }
        let position: TrainingPosition
        do { position = try positionDecoder.decode(TrainingPosition.self, from: Data((file.metadata["rda.position"] ?? "").utf8)) } catch {
            throw bad("its position (rda.position) is unreadable")
        }
        var weights: [[Float]] = [], m: [[Float]] = [], v: [[Float]] = []
        for (name, t) in trainer.model.namedParameters {
            for (prefix, list) in [("model.", 0), ("adam.m.", 1), ("adam.v.", 2)] {
                guard let stored = file.tensors[prefix + name] else { throw bad("lacks tensor '\(prefix + name)'") }
                guard stored.shape == t.shape else { throw bad("tensor '\(prefix + name)' has shape \(stored.shape), the model needs \(t.shape)") }
                let values = stored.values
                guard values.allSatisfy(\.isFinite) else { throw bad("tensor '\(prefix + name)' holds non-finite values") }
                switch list { case 0: weights.append(values); case 1: m.append(values); default: v.append(values) }
            }
        }
        guard position.epoch >= 1, position.step >= 0, position.history.count == position.epoch - 1 else {
            throw bad("its position (epoch \(position.epoch), step \(position.step)) is inconsistent")
        }
        for ((_, t), values) in zip(trainer.model.namedParameters, weights) { t.assign(values) }
        trainer.optimizer.restore(step: adamStep, m: m, v: v)
        trainer.rng.state = position.rng
        return position
    }
}
