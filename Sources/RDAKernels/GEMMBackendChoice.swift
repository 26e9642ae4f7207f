// Which backend runs a product: forced by RDA_GEMM, the only one there is, or the faster one
// measured on this machine for the product's shape class and thread count.
import Foundation
import Synchronization

/// Why a product runs on the backend it runs on.
public enum GEMMChoiceReason: String, Sendable, Codable, CaseIterable {
    /// The faster of both backends, timed on this machine for the shape class and thread count
    /// (now, or read from the calibration cache).
    case calibrated
    /// Set by `RDA_GEMM=swift|openblas`.
    case forced = "forced_by_RDA_GEMM"
    /// OpenBLAS could not be loaded: only the Swift kernel exists.
    case onlyOneAvailable = "only_one_available"
    /// A product inside a parallel lane with more than one thread: OpenBLAS would start its own
    /// threads from every lane, so only the Swift kernel (on the lane's thread) can run it.
    case onlySwiftInLanes = "only_swift_in_parallel_lanes"
    /// Every product on this backend: whole training steps of the model ran faster so than with
    /// each shape class on its own calibrated backend (`GEMMSelector.calibrateSteps`).
    case stepCalibrated = "calibrated_whole_step"
}

/// How the products of a training step choose their backend: each shape class its own
/// calibrated one, or all the same.
public enum GEMMPolicy: String, Sendable, Codable, CaseIterable {
    /// Each shape class on the backend its own calibration found faster.
    case perShape = "per_shape"
    /// Every product on the Swift kernel.
    case swift
    /// Every product (outside parallel lanes) on OpenBLAS.
    case openblas
}

/// A backend and the reason for it.
public struct GEMMChoice: Sendable, Equatable {
    public var backend: GEMMBackend
    public var reason: GEMMChoiceReason

    public init(_ backend: GEMMBackend, _ reason: GEMMChoiceReason) {
        self.backend = backend
        self.reason = reason
    }
}

/// Where a product runs: on the whole worker pool, or on one thread inside a lane of a loop
/// that already occupies the pool (`threads: 1`).
public enum GEMMContext: String, Sendable, Codable, CaseIterable {
    case pool, lane
}

/// Seconds per product of each backend for one shape, as calibration measured them.
public struct GEMMTimings: Sendable, Equatable {
    public var swift: Double
    public var openblas: Double

    public init(swift: Double, openblas: Double) {
        self.swift = swift
        self.openblas = openblas
    }
}

/// Runs one product of `shape` with `backend` on packed operands (lda = m or k, ldb = k or n as
/// the transposes say, ldc = n), as the caller would run it: the caller's own splitting of the
/// work included, so that calibration times what training runs.
public typealias GEMMProduct = (_ backend: GEMMBackend, _ shape: GEMMShape,
                                _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) -> Void

/// Times both backends on a shape at a thread count (replaced by fake timings in tests).
public typealias GEMMTimer = (_ shape: GEMMShape, _ threads: Int, _ product: GEMMProduct) -> GEMMTimings

/// One distinct product a run made, with the backend it ran on (see `GEMMSelector.startRecording`).
public struct GEMMUse: Sendable, Equatable {
    public var shape: GEMMShape
    public var context: GEMMContext
    public var threads: Int
    public var choice: GEMMChoice
    /// Products of this shape, context and thread count since recording started.
    public var calls: Int
}

/// Chooses the backend of every product rda makes (`ProductBackend` in RDACore asks it).
///
/// In order: `RDA_GEMM` forces a backend; without OpenBLAS the Swift kernel is the only one; a
/// product inside a parallel lane on more than one thread runs the Swift kernel; otherwise the
/// backend is the faster one measured by a short calibration of the product's shape class
/// (`GEMMShapeClass`) at the pool's thread count, made once per class and thread count at its
/// first product and cached per machine (`GEMMCalibrationStore`). Decisions are kept for the
/// whole run: a given shape and thread count always gets the same backend, so a run's results
/// are reproducible. (Bits are the same on any thread count only for one backend: with
/// `RDA_GEMM=swift`, see README.)
public final class GEMMSelector: @unchecked Sendable {
    /// The process's selector: `RDA_GEMM`, OpenBLAS when it loads, the cache in `~/.cache/rda`
    /// (see `GEMMCalibrationStore.defaultDirectory`), real timings.
    public static let shared = GEMMSelector(
        forced: GEMM.requestedBackend, openBLASAvailable: GEMM.isOpenBLASAvailable,
        store: GEMMCalibrationStore(directory: GEMMCalibrationStore.defaultDirectory(),
                                    key: .current(openBLASCore: GEMM.openBLASCoreName, openBLASAvailable: GEMM.isOpenBLASAvailable)),
        timer: GEMMCalibration.measure)

    /// Relative margin by which OpenBLAS must beat the Swift kernel to be chosen: closer timings
    /// are a tie, and ties go to the Swift kernel (deterministic, and its bits do not depend on
    /// the thread count).
    public static let tieMargin = 0.03

    let forced: GEMMBackend?
    let openBLASAvailable: Bool
    let store: GEMMCalibrationStore
    let timer: GEMMTimer

    struct Key: Hashable {
        var shapeClass: GEMMShapeClass
        var threads: Int
        var context: GEMMContext
    }

    struct UseKey: Hashable {
        var shape: GEMMShape
        var context: GEMMContext
        var threads: Int
    }

    private struct State {
        /// The process's policy for products not yet decided: set once, by the first
        /// `calibrateSteps` (nil: per shape).
        var policy: GEMMPolicy?
        /// Trials in progress: the policy each trialling thread is timing.
        var trials: [UInt: GEMMPolicy] = [:]
        var decided: [Key: GEMMChoice] = [:]
        var cache: [String: GEMMCalibrationEntry]?
        /// Per-shape decisions adopted from a run being resumed (`adopt`), by entry name: they
        /// win over the cache, so that the resumed run uses the backends it started with.
        var adopted: [String: GEMMBackend] = [:]
        var calibrations = 0
    }

    private let state = Locked(State())
    private let recording = Atomic<Bool>(false)
    private let uses = Locked([UseKey: GEMMUse]())

    /// - Parameters:
    ///   - forced: the backend `RDA_GEMM` asks for, if any.
    ///   - openBLASAvailable: whether OpenBLAS can run.
    ///   - store: the calibration cache.
    ///   - timer: times both backends (tests inject fake timings).
    public init(forced: GEMMBackend?, openBLASAvailable: Bool, store: GEMMCalibrationStore, timer: @escaping GEMMTimer) {
        self.forced = forced
        self.openBLASAvailable = openBLASAvailable
        self.store = store
        self.timer = timer
    }

    /// The faster backend of `timings`: OpenBLAS only when it beats the Swift kernel by more than
    /// `tieMargin` (relative); otherwise, ties and unusable timings (NaN, zero) included, Swift.
    public static func faster(_ timings: GEMMTimings) -> GEMMBackend {
        let s = timings.swift, o = timings.openblas
        guard s.isFinite, o.isFinite, s > 0, o > 0 else { return .swift }
        return o < s * (1 - tieMargin) ? .openblas : .swift
    }

    /// The backend for a product of `shape` on `threads` threads in `context`. `product` runs
    /// such a product as the caller would, and is timed when the shape's class is calibrated now.
    public func choose(_ shape: GEMMShape, threads: Int, context: GEMMContext, product: GEMMProduct) -> GEMMChoice {
        let choice = decide(shape, threads: threads, context: context, product: product)
        if recording.load(ordering: .relaxed) {
            let key = UseKey(shape: GEMMShape(m: shape.m, n: shape.n, k: shape.k, transA: shape.transA, transB: shape.transB),
                             context: context, threads: threads)
            uses.withLock { table in
                table[key, default: GEMMUse(shape: key.shape, context: context, threads: threads, choice: choice, calls: 0)].calls += 1
            }
        }
        return choice
    }

    private func decide(_ shape: GEMMShape, threads: Int, context: GEMMContext, product: GEMMProduct) -> GEMMChoice {
        if context == .lane && threads > 1 { return GEMMChoice(.swift, .onlySwiftInLanes) }
        if let forced {
            return forced == .openblas && !openBLASAvailable ? GEMMChoice(.swift, .onlyOneAvailable) : GEMMChoice(forced, .forced)
        }
        if !openBLASAvailable { return GEMMChoice(.swift, .onlyOneAvailable) }
        let key = Key(shapeClass: GEMMShapeClass(shape), threads: threads, context: context)
        let thread = Self.currentThread()
        return state.withLock { state in
            // a trial times its policy on its own thread only, and decides nothing for others
            if let trial = state.trials[thread] {
                switch trial {
                case .swift: return GEMMChoice(.swift, .stepCalibrated)
                case .openblas: return GEMMChoice(.openblas, .stepCalibrated)
                case .perShape: return GEMMChoice(perShapeBackend(&state, key, shape, product), .calibrated)
                }
            }
            // a decision holds for the rest of the process, whatever is decided later
            if let choice = state.decided[key] { return choice }
            let choice: GEMMChoice
            switch state.policy {
            case .swift?: choice = GEMMChoice(.swift, .stepCalibrated)
            case .openblas?: choice = GEMMChoice(.openblas, .stepCalibrated)
            case .perShape?, nil: choice = GEMMChoice(perShapeBackend(&state, key, shape, product), .calibrated)
            }
            state.decided[key] = choice
            return choice
        }
    }

    /// The calibrated backend of `key`'s shape class: from the cache, else timed now (and saved).
    private func perShapeBackend(_ state: inout State, _ key: Key, _ shape: GEMMShape, _ product: GEMMProduct) -> GEMMBackend {
        let name = GEMMCalibrationEntry.name(key.shapeClass, threads: key.threads, context: key.context)
        if let adopted = state.adopted[name] { return adopted }
        if state.cache == nil { state.cache = store.load() }
        if let entry = state.cache?[name], let cached = GEMMBackend(rawValue: entry.backend) { return cached }
        let timings = timer(shape, key.threads, product)
        state.calibrations += 1
        let entry = GEMMCalibrationEntry(
            shapeClass: key.shapeClass.description, threads: key.threads, context: key.context.rawValue,
            backend: GEMMSelector.faster(timings).rawValue, measuredOn: shape.description,
            swiftMicroseconds: Self.microseconds(timings.swift), openblasMicroseconds: Self.microseconds(timings.openblas))
        // Another process may have calibrated the class meanwhile: the first entry saved is kept
        // and used by everyone, so that processes started one after the other (a run and its
        // resumption) use the same backend.
        state.cache = store.save([entry])
        return state.cache?[name].flatMap { GEMMBackend(rawValue: $0.backend) } ?? GEMMSelector.faster(timings)
    }

    /// An identifier of the calling thread.
    private static func currentThread() -> UInt {
        #if canImport(Glibc)
            return UInt(pthread_self())
        #else
            return UInt(bitPattern: pthread_self())
        #endif
    }

    /// The per-shape decisions made so far (shape classes calibrated now or read from the cache),
    /// by calibration-entry name: what a training state records so that its resumption runs
    /// the same backends whatever the cache says by then (`adopt`).
    public var perShapeDecisions: [String: GEMMBackend] {
        state.withLock { state in
            var out: [String: GEMMBackend] = [:]
            for (key, choice) in state.decided where choice.reason == .calibrated {
                out[GEMMCalibrationEntry.name(key.shapeClass, threads: key.threads, context: key.context)] = choice.backend
            }
            return out
        }
    }

    /// Takes `decisions` (from `perShapeDecisions` of an earlier process) for the shape classes
    /// they name, before the cache or a new calibration: a resumed run continues on the backends
    /// it started with.
    public func adopt(_ decisions: [String: GEMMBackend]) {
        state.withLock { $0.adopted.merge(decisions) { $1 } }
    }

    /// Shape classes timed by this selector so far (not those read from the cache).
    public var calibrationCount: Int { state.withLock { $0.calibrations } }

    /// The process's policy for products whose shape class is not yet decided, once
    /// `calibrateSteps` has set it (nil before: per shape).
    public var policy: GEMMPolicy? { state.withLock { $0.policy } }

    /// The policy `measure` is timing on the calling thread during `calibrateSteps` (nil outside).
    public var trialPolicy: GEMMPolicy? {
        let thread = Self.currentThread()
        return state.withLock { $0.trials[thread] }
    }

    /// Rounds of `calibrateSteps`: each times every policy once, in a rotating order.
    public static let stepRounds = 5

    /// Chooses the policy under which whole training steps of one model run fastest at
    /// `threads` threads, a decision that per-shape timings alone cannot make: products timed
    /// alone run on warm caches and idle cores, while in a step they follow one another and
    /// OpenBLAS's spinning threads compete with the worker pool.
    ///
    /// `measure(policy)` runs some training steps of a throwaway copy of the model and returns
    /// seconds per step; its products, on the calling thread, follow `policy` (other threads'
    /// products are not affected). Each policy is measured once to warm up (per-shape
    /// calibrations happen there), then `stepRounds` times; the fastest (median over rounds)
    /// wins, but the Swift kernel, then the per-shape choice, keeps ties within `tieMargin`. The
    /// median, not the minimum: OpenBLAS on several threads has fast steps among slow ones
    /// (conv at 2 threads: windows of 33 to 53 ms a step, against 33 to 40 for the Swift kernel),
    /// and training runs at their typical speed, not their best. The
    /// result is cached under `name` (the model and batch) and the thread count like the
    /// per-shape entries, so later runs on this machine skip the trial.
    ///
    /// The first policy chosen becomes the process's `policy`: every shape class decided after
    /// it follows it, and a later call returns it without measuring. Classes decided before
    /// keep their backend: a decision holds for the whole process. With `RDA_GEMM` or without
    /// OpenBLAS there is nothing to choose: nothing is measured and `perShape` is returned.
    @discardableResult
    public func calibrateSteps(_ name: String, threads: Int, measure: (GEMMPolicy) -> Double) -> GEMMPolicy {
        guard forced == nil, openBLASAvailable else { return .perShape }
        let entryName = GEMMCalibrationEntry.name(name, threads: threads, context: Self.stepContext)
        /// The policy cached under `entryName`, if any.
        func cached(_ state: State) -> GEMMPolicy? { state.cache?[entryName].flatMap { GEMMPolicy(rawValue: $0.backend) } }
        let known = state.withLock { state -> GEMMPolicy? in
            if let policy = state.policy { return policy }
            if state.cache == nil { state.cache = store.load() }
            return cached(state)
        }
        if let known { return adopt(known) }
        let thread = Self.currentThread()
        func timed(_ p: GEMMPolicy) -> Double {
            state.withLock { $0.trials[thread] = p }
            defer { state.withLock { _ = $0.trials.removeValue(forKey: thread) } }
            return measure(p)
        }
        let policies = GEMMPolicy.allCases
        var samples = [GEMMPolicy: [Double]]()
        for p in policies { _ = timed(p) }
        for round in 0..<Self.stepRounds {
            for j in policies.indices {
                let p = policies[(j + round) % policies.count]
                let seconds = timed(p)
                if seconds.isFinite && seconds > 0 { samples[p, default: []].append(seconds) }
            }
        }
        let best = samples.mapValues(median)
        let chosen = Self.fastestPolicy(best)
        let entry = GEMMCalibrationEntry(
            shapeClass: name, threads: threads, context: Self.stepContext, backend: chosen.rawValue, measuredOn: name,
            swiftMicroseconds: Self.microseconds(best[.swift]), openblasMicroseconds: Self.microseconds(best[.openblas]),
            perShapeMicroseconds: Self.microseconds(best[.perShape]))
        let saved = state.withLock { state -> GEMMPolicy in
            state.cache = store.save([entry])
            return cached(state) ?? chosen
        }
        return adopt(saved)
    }

    /// Makes `policy` the process's whole-step policy unless one is set already (a resumed run
    /// takes the one its state records), so that `calibrateSteps` returns it without a trial.
    public func adoptPolicy(_ policy: GEMMPolicy) { _ = adopt(policy) }

    /// Makes `policy` the process's policy unless one is set already; returns the one in force.
    private func adopt(_ policy: GEMMPolicy) -> GEMMPolicy {
        state.withLock { state in
            if state.policy == nil { state.policy = policy }
            return state.policy!
        }
    }

    /// The `context` of step entries in the cache.
    static let stepContext = "step"

    /// The fastest policy of `seconds` (per step); the Swift kernel, then the per-shape choice,
    /// wins when within `tieMargin` of the fastest. Nothing measured: per shape.
    public static func fastestPolicy(_ seconds: [GEMMPolicy: Double]) -> GEMMPolicy {
        guard let fastest = seconds.values.min() else { return .perShape }
        for p in [GEMMPolicy.swift, .perShape, .openblas] {
            if let s = seconds[p], s * (1 - tieMargin) <= fastest { return p }
        }
        return .perShape
    }

    /// Seconds as microseconds to 0.1; 0 for a policy that gave no usable timing.
    private static func microseconds(_ seconds: Double?) -> Double {
        guard let seconds, seconds.isFinite else { return 0 }
        return (seconds * 1e7).rounded() / 10
    }

    /// Starts (or restarts) recording the distinct products made and their backends.
    public func startRecording() {
        uses.withLock { $0.removeAll() }
        recording.store(true, ordering: .relaxed)
    }

    /// Stops recording and returns the products made since `startRecording`, largest first.
    public func stopRecording() -> [GEMMUse] {
        recording.store(false, ordering: .relaxed)
        return uses.withLock { Array($0.values) }.sorted {
            ($0.shape.flops, $0.shape.description, $0.context.rawValue) > ($1.shape.flops, $1.shape.description, $1.context.rawValue)
        }
    }
}
