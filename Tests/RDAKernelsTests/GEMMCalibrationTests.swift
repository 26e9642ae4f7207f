import Foundation
import Synchronization
import Testing

@testable import RDAKernels

/// The backend decision with fake timings: no test here depends on real timing.
@Suite("GEMM backend calibration")
struct GEMMCalibrationTests {
    /// A fresh, empty folder for a cache.
    static func folder() -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("rda-gemm-calibration-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let key = GEMMMachineKey(cpuModel: "Test CPU", cpuFlags: "f1", cores: 2, build: "rda:1:2", openblas: "Haswell")

    /// A timer that returns fixed timings per transpose pattern and counts its calls.
    final class FakeTimer: @unchecked Sendable {
        let calls = Atomic<Int>(0)
        let timings: [String: GEMMTimings]
        init(_ timings: [String: GEMMTimings]) { self.timings = timings }
        func time(_ shape: GEMMShape, _ threads: Int, _ product: GEMMProduct) -> GEMMTimings {
            calls.add(1, ordering: .relaxed)
            return timings[shape.transpose] ?? GEMMTimings(swift: 1, openblas: 1)
        }
    }

    static func selector(_ timer: FakeTimer, directory: URL?, key: GEMMMachineKey = key,
                         forced: GEMMBackend? = nil, openBLAS: Bool = true) -> GEMMSelector {
        GEMMSelector(forced: forced, openBLASAvailable: openBLAS, store: GEMMCalibrationStore(directory: directory, key: key),
                     timer: timer.time)
    }

    /// Never runs: the fake timers do not call the product.
    static let noProduct: GEMMProduct = { _, _, _, _, _ in Issue.record("the product ran") }

    static let nt = GEMMShape(m: 128, n: 784, k: 512, transB: true)
    static let nn = GEMMShape(m: 128, n: 784, k: 512)

    @Test("the faster backend wins; ties and unusable timings go to the Swift kernel")
    func faster() {
        #expect(GEMMSelector.faster(GEMMTimings(swift: 2, openblas: 1)) == .openblas)
        #expect(GEMMSelector.faster(GEMMTimings(swift: 1, openblas: 2)) == .swift)
        #expect(GEMMSelector.faster(GEMMTimings(swift: 1, openblas: 1)) == .swift)
        // Within the tie margin: Swift; just beyond it: OpenBLAS.
        let m = GEMMSelector.tieMargin
        #expect(GEMMSelector.faster(GEMMTimings(swift: 1, openblas: 1 - m / 2)) == .swift)
        #expect(GEMMSelector.faster(GEMMTimings(swift: 1, openblas: 1 - 2 * m)) == .openblas)
        #expect(GEMMSelector.faster(GEMMTimings(swift: .nan, openblas: 1)) == .swift)
        #expect(GEMMSelector.faster(GEMMTimings(swift: 1, openblas: 0)) == .swift)
        #expect(GEMMSelector.faster(GEMMTimings(swift: .infinity, openblas: 1)) == .swift)
    }

    @Test("each shape class is timed once and keeps its backend all run")
    func perClass() {
        let timer = FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1), "NN": GEMMTimings(swift: 1, openblas: 2)])
        let s = Self.selector(timer, directory: nil)
        for _ in 0..<3 {
            #expect(s.choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct) == GEMMChoice(.openblas, .calibrated))
            #expect(s.choose(Self.nn, threads: 2, context: .pool, product: Self.noProduct) == GEMMChoice(.swift, .calibrated))
        }
        // A nearby shape of the same class (784 and 900 both round to 2^10) reuses the decision.
        #expect(s.choose(GEMMShape(m: 128, n: 900, k: 512, transB: true), threads: 2, context: .pool, product: Self.noProduct).backend == .openblas)
        #expect(timer.calls.load(ordering: .relaxed) == 2)
        #expect(s.calibrationCount == 2)
        // Another thread count is another decision.
        _ = s.choose(Self.nt, threads: 1, context: .pool, product: Self.noProduct)
        #expect(timer.calls.load(ordering: .relaxed) == 3)
    }

    @Test("RDA_GEMM forces, a missing OpenBLAS leaves one backend, lanes on several threads use Swift")
    func overrides() {
        let timer = FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1)])
        let forcedSwift = Self.selector(timer, directory: nil, forced: .swift)
        #expect(forcedSwift.choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct) == GEMMChoice(.swift, .forced))
        let forcedBLAS = Self.selector(timer, directory: nil, forced: .openblas)
        #expect(forcedBLAS.choose(Self.nt, threads: 1, context: .lane, product: Self.noProduct) == GEMMChoice(.openblas, .forced))
        #expect(forcedBLAS.choose(Self.nt, threads: 2, context: .lane, product: Self.noProduct) == GEMMChoice(.swift, .onlySwiftInLanes))
        let forcedMissing = Self.selector(timer, directory: nil, forced: .openblas, openBLAS: false)
        #expect(forcedMissing.choose(Self.nt, threads: 1, context: .pool, product: Self.noProduct) == GEMMChoice(.swift, .onlyOneAvailable))
        let missing = Self.selector(timer, directory: nil, openBLAS: false)
        #expect(missing.choose(Self.nt, threads: 4, context: .pool, product: Self.noProduct) == GEMMChoice(.swift, .onlyOneAvailable))
        #expect(timer.calls.load(ordering: .relaxed) == 0)
        // A lane on one thread is calibrated like any product.
        let plain = Self.selector(timer, directory: nil)
        #expect(plain.choose(Self.nt, threads: 1, context: .lane, product: Self.noProduct) == GEMMChoice(.openblas, .calibrated))
    }

    @Test("the cache is reused under the same key and refreshed when the key changes")
    func cacheKey() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1)])
        #expect(Self.selector(first, directory: dir).choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct).backend == .openblas)
        #expect(first.calls.load(ordering: .relaxed) == 1)

        // Same key: read from the file, even though this timer would say otherwise.
        let second = FakeTimer(["NT": GEMMTimings(swift: 1, openblas: 2)])
        #expect(Self.selector(second, directory: dir).choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct) == GEMMChoice(.openblas, .calibrated))
        #expect(second.calls.load(ordering: .relaxed) == 0)

        // Each part of the key changing means timing again, and the file then holds the new key only.
        var keys: [GEMMMachineKey] = []
        for change in 0..<5 {
            var k = Self.key
            switch change {
            case 0: k.cpuModel = "Other CPU"
            case 1: k.cpuFlags = "f2"
            case 2: k.cores = 16
            case 3: k.build = "rda:1:3"
            default: k.openblas = "absent"
            }
            keys.append(k)
        }
        for k in keys {
            let timer = FakeTimer(["NT": GEMMTimings(swift: 1, openblas: 2)])
            #expect(Self.selector(timer, directory: dir, key: k).choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct).backend == .swift)
            #expect(timer.calls.load(ordering: .relaxed) == 1, "\(k)")
            let file = try JSONDecoder().decode(GEMMCalibrationStore.File.self,
                                                from: Data(contentsOf: dir.appendingPathComponent(GEMMCalibrationStore.fileName)))
            #expect(file.key == k)
            #expect(file.entries.map(\.backend) == ["swift"])
        }
    }

    @Test("two processes calibrating at once: the entry saved first is used by both")
    func firstSavedWins() {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Process B has loaded the (empty) cache; then process A calibrates and saves OpenBLAS.
        let b = Self.selector(FakeTimer(["NN": GEMMTimings(swift: 1, openblas: 2)]), directory: dir)
        _ = b.choose(Self.nn, threads: 2, context: .pool, product: Self.noProduct)
        let a = Self.selector(FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1)]), directory: dir)
        #expect(a.choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct).backend == .openblas)
        // B's own timing would say Swift; it finds A's entry when it saves, and uses it.
        let bTimer = FakeTimer(["NT": GEMMTimings(swift: 1, openblas: 2)])
        let b2 = Self.selector(bTimer, directory: dir)
        #expect(b2.choose(Self.nn, threads: 2, context: .pool, product: Self.noProduct).backend == .swift)   // cached from B
        #expect(b.choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct).backend == .openblas)
        #expect(GEMMCalibrationStore(directory: dir, key: Self.key).load().count == 2)
    }

    @Test("a corrupted cache file is ignored and rewritten", arguments: ["", "{", "not json", "{\"format\":\"rda-gemm-calibration-1\"}", "[1,2,3]"])
    func corrupted(text: String) throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(GEMMCalibrationStore.fileName)
        try Data(text.utf8).write(to: url)
        let timer = FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1)])
        #expect(Self.selector(timer, directory: dir).choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct).backend == .openblas)
        #expect(timer.calls.load(ordering: .relaxed) == 1)
        #expect(GEMMCalibrationStore(directory: dir, key: Self.key).load().count == 1)
    }

    @Test("an entry naming an unknown backend is ignored")
    func unknownBackend() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = GEMMCalibrationStore(directory: dir, key: Self.key)
        let name = GEMMShapeClass(Self.nt).description
        store.save([GEMMCalibrationEntry(shapeClass: name, threads: 2, context: "pool", backend: "cuda",
                                         measuredOn: "x", swiftMicroseconds: 1, openblasMicroseconds: 1)])
        #expect(FileManager.default.fileExists(atPath: store.fileURL!.path))
        #expect(store.load().isEmpty)
        let timer = FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1)])
        #expect(Self.selector(timer, directory: dir).choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct).backend == .openblas)
        #expect(timer.calls.load(ordering: .relaxed) == 1)
    }

    @Test("an unwritable cache folder: calibration in memory, no error")
    func unwritable() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: blocker)
        let inside = blocker.appendingPathComponent("rda", isDirectory: true)   // a folder under a file
        let store = GEMMCalibrationStore(directory: inside, key: Self.key)
        #expect(!store.isWritable)
        #expect(store.save([]).isEmpty)
        let timer = FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1)])
        let s = Self.selector(timer, directory: inside)
        #expect(s.choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct).backend == .openblas)
        #expect(s.choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct).backend == .openblas)
        #expect(timer.calls.load(ordering: .relaxed) == 1)
    }

    @Test("the cache folder: RDA_CACHE_DIR, then XDG_CACHE_HOME/rda, then ~/.cache/rda")
    func cacheFolder() {
        #expect(GEMMCalibrationStore.defaultDirectory(environment: ["RDA_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"])?.path == "/c")
        #expect(GEMMCalibrationStore.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"])?.path == "/x/rda")
        #expect(GEMMCalibrationStore.defaultDirectory(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"])?.path == "/h/.cache/rda")
        #expect(GEMMCalibrationStore.defaultDirectory(environment: [:]) == nil)
    }

    @Test("shape classes: transposes and the nearest power of two of m, n, k")
    func shapeClasses() {
        // 256 sqrt(2) = 362.04: 362 is nearer 256, 363 nearer 512 (on a log scale).
        #expect(GEMMShapeClass.bucket(362) == 8)
        #expect(GEMMShapeClass.bucket(363) == 9)
        #expect(GEMMShapeClass.bucket(1) == 0)
        #expect(GEMMShapeClass.bucket(2) == 1)
        #expect(GEMMShapeClass.bucket(3) == 2)   // 3 > 2 sqrt(2) = 2.83
        for x in [5, 100, 784, 3136, 100_000] {
            let b = GEMMShapeClass.bucket(x)
            #expect(abs(log2(Double(x)) - Double(b)) <= 0.5, "\(x) -> 2^\(b)")
        }
        #expect(GEMMShapeClass(Self.nt) != GEMMShapeClass(Self.nn))
        #expect(GEMMShapeClass(Self.nt).description == "NT m2^7 n2^10 k2^9")
    }

    @Test("recording lists each distinct product with its backend, reason and count")
    func recording() {
        let timer = FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1)])
        let s = Self.selector(timer, directory: nil)
        _ = s.choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct)   // before recording
        s.startRecording()
        for _ in 0..<3 { _ = s.choose(Self.nt, threads: 2, context: .pool, product: Self.noProduct) }
        _ = s.choose(Self.nn, threads: 2, context: .lane, product: Self.noProduct)
        let uses = s.stopRecording()
        _ = s.choose(Self.nn, threads: 2, context: .pool, product: Self.noProduct)   // after
        #expect(uses.count == 2)
        let nt = uses.first { $0.shape.transpose == "NT" }, nn = uses.first { $0.shape.transpose == "NN" }
        #expect(nt?.calls == 3 && nt?.choice == GEMMChoice(.openblas, .calibrated) && nt?.context == .pool)
        #expect(nn?.calls == 1 && nn?.choice == GEMMChoice(.swift, .onlySwiftInLanes) && nn?.context == .lane)
    }

    @Test("the real timer measures both backends and runs the given product")
    func realTimer() {
        let ran = Atomic<Int>(0)
        let plain = GEMMCalibration.plainProduct(threads: 1)
        let t = GEMMCalibration.measure(GEMMShape(m: 8, n: 8, k: 8), threads: 1) { backend, shape, a, b, c in
            ran.add(1, ordering: .relaxed)
            plain(backend, shape, a, b, c)
        }
        #expect(t.swift > 0 && t.swift.isFinite && t.openblas > 0 && t.openblas.isFinite)
        #expect(ran.load(ordering: .relaxed) >= 2 * (1 + GEMMCalibration.rounds))
    }
}

/// A resumed run keeps the per-shape backends it started with, whatever the cache says by then.
@Suite("GEMM per-shape decisions adopted on resume")
struct GEMMAdoptedDecisionsTests {
    typealias T = GEMMCalibrationTests

    @Test func adoptedDecisionsWinOverTheCacheAndNewTimings() {
        let dir = T.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // the interrupted run: OpenBLAS measured faster for the NT shape
        let first = T.selector(T.FakeTimer(["NT": GEMMTimings(swift: 2, openblas: 1)]), directory: dir)
        #expect(first.choose(T.nt, threads: 1, context: .pool, product: T.noProduct).backend == .openblas)
        let recorded = first.perShapeDecisions
        #expect(recorded.count == 1 && recorded.values.first == .openblas)
        // meanwhile the cache is replaced: a fresh folder whose timings favour Swift
        let other = T.folder()
        defer { try? FileManager.default.removeItem(at: other) }
        let swiftTimer = T.FakeTimer(["NT": GEMMTimings(swift: 1, openblas: 2)])
        let fresh = T.selector(swiftTimer, directory: other)
        #expect(fresh.choose(T.nt, threads: 1, context: .pool, product: T.noProduct).backend == .swift)
        // the resumed process adopts the recorded decision before its first product: no timing, same backend
        let resumed = T.selector(swiftTimer, directory: other)
        resumed.adopt(recorded)
        let calls = swiftTimer.calls.load(ordering: .relaxed)
        #expect(resumed.choose(T.nt, threads: 1, context: .pool, product: T.noProduct).backend == .openblas)
        #expect(swiftTimer.calls.load(ordering: .relaxed) == calls)
        #expect(resumed.perShapeDecisions == recorded)
        // a decision forced by RDA_GEMM is not a per-shape decision
        let forced = T.selector(swiftTimer, directory: other, forced: .swift)
        _ = forced.choose(T.nt, threads: 1, context: .pool, product: T.noProduct)
        #expect(forced.perShapeDecisions.isEmpty)
    }

    /// A resumed run takes the whole-step policy its state records: no trial, whatever the cache says.
    @Test func anAdoptedPolicyIsNotTimedAgain() {
        let dir = T.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let selector = T.selector(T.FakeTimer([:]), directory: dir)
        selector.adoptPolicy(.openblas)
        var measured = 0
        #expect(selector.calibrateSteps("step model", threads: 1) { _ in measured += 1; return 1 } == .openblas)
        #expect(measured == 0 && selector.policy == .openblas)
    }
}
