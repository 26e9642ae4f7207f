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
        var decided: [Key: GEMMBackend] = [:]
        var cache: [String: GEMMCalibrationEntry]?
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
        return state.withLock { state in
            if let backend = state.decided[key] { return GEMMChoice(backend, .calibrated) }
            if state.cache == nil { state.cache = store.load() }
            let name = GEMMCalibrationEntry.name(key.shapeClass, threads: threads, context: context)
            let backend: GEMMBackend
            if let entry = state.cache?[name], let cached = GEMMBackend(rawValue: entry.backend) {
                backend = cached
            } else {
                let timings = timer(shape, threads, product)
                state.calibrations += 1
                let entry = GEMMCalibrationEntry(
                    shapeClass: key.shapeClass.description, threads: threads, context: context.rawValue,
                    backend: GEMMSelector.faster(timings).rawValue, measuredOn: shape.description,
                    swiftMicroseconds: (timings.swift * 1e7).rounded() / 10,
                    openblasMicroseconds: (timings.openblas * 1e7).rounded() / 10)
                // Another process may have calibrated the class meanwhile: the first entry saved
                // is kept and used by everyone, so that processes started one after the other
                // (a run and its resumption) use the same backend.
                state.cache = store.save([entry])
                backend = state.cache?[name].flatMap { GEMMBackend(rawValue: $0.backend) } ?? GEMMSelector.faster(timings)
            }
            state.decided[key] = backend
            return GEMMChoice(backend, .calibrated)
        }
    }

    /// Shape classes timed by this selector so far (not those read from the cache).
    public var calibrationCount: Int { state.withLock { $0.calibrations } }

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

/// The real timer: both backends alternately on the shape, at the current thread count.
public enum GEMMCalibration {
    /// Rounds per backend; each backend's time is the best round's time per product.
    static let rounds = 5
    /// Each round repeats the product until it lasts about this long.
    static let roundSeconds = 0.001

    /// Seconds per product of each backend on `shape` with the pool at `threads` threads
    /// (OpenBLAS's own thread count is the pool's: `Threads.set`). With more than one thread every
    /// product is followed by a short pass of the pool over C, as a training step's elementwise
    /// ops follow its products: OpenBLAS's idle threads, still spinning, slow that pass down.
    /// Takes about 2 x (1 + 5 x 1 ms) plus the warm-up products.
    public static func measure(_ shape: GEMMShape, threads: Int, product: GEMMProduct) -> GEMMTimings {
        let m = shape.m, n = shape.n, k = shape.k
        let a = filled(m * k, seed: 1), b = filled(k * n, seed: 2)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(m * n, 1))
        c.initialize(repeating: 0, count: Swift.max(m * n, 1))
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(threads, 1))
        sink.initialize(repeating: 0, count: Swift.max(threads, 1))
        defer { a.deallocate(); b.deallocate(); c.deallocate(); sink.deallocate() }

        func once(_ backend: GEMMBackend) {
            product(backend, shape, a, b, c)
            guard threads > 1 else { return }
            let count = m * n, parts = threads
            WorkerPool.shared.parallelFor(parts) { part in
                var acc: Float = 0
                for i in (count * part / parts)..<(count * (part + 1) / parts) { acc += c[i] }
                sink[part] = acc
            }
        }
        func seconds(_ backend: GEMMBackend, reps: Int) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps { once(backend) }
            return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(reps)
        }
        let backends: [GEMMBackend] = [.swift, .openblas]
        let warm = backends.map { seconds($0, reps: 1) }
        let reps = backends.indices.map { Swift.max(1, Swift.min(1000, Int(roundSeconds / Swift.max(warm[$0], 1e-7)))) }
        var best = [Double](repeating: .infinity, count: 2)
        for round in 0..<rounds {
            for j in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                best[j] = Swift.min(best[j], seconds(backends[j], reps: reps[j]))
            }
        }
        return GEMMTimings(swift: best[0], openblas: best[1])
    }

    /// The plain product of `GEMM.sgemm(backend:threads:)` on packed operands: all the pool's
    /// threads (for products above `SwiftGEMM.parallelThreshold`), or one.
    public static func plainProduct(threads: Int?) -> GEMMProduct {
        { backend, shape, a, b, c in
            GEMM.sgemm(backend: backend, threads: threads, transA: shape.transA, transB: shape.transB,
                       m: shape.m, n: shape.n, k: shape.k, alpha: 1,
                       a: a, lda: shape.transA ? shape.m : shape.k, b: b, ldb: shape.transB ? shape.k : shape.n,
                       beta: 0, c: c, ldc: shape.n)
        }
    }

    private static func filled(_ count: Int, seed: UInt32) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        var state = seed &* 2_654_435_761 &+ 12345
        for i in 0..<Swift.max(count, 1) {
            state = state &* 1_664_525 &+ 1_013_904_223
            p[i] = Float(state >> 8) / Float(1 << 24) - 0.5
        }
        return p
    }
}
