import Foundation
import Testing
@testable import RDAKernels

/// The whole-step choice of `GEMMSelector.calibrateSteps`, with fake step timings.
@Suite("GEMM policy chosen over whole training steps")
struct GEMMStepPolicyTests {
    /// A selector with OpenBLAS "available" whose per-shape timer must not run, and a cache in a
    /// fresh folder.
    func selector(_ dir: URL, forced: GEMMBackend? = nil, openBLAS: Bool = true) -> GEMMSelector {
        let key = GEMMMachineKey(cpuModel: "test", cpuFlags: "0", cores: 2, build: "b", openblas: "x")
        return GEMMSelector(forced: forced, openBLASAvailable: openBLAS, store: GEMMCalibrationStore(directory: dir, key: key),
                            timer: { _, _, _ in Issue.record("per-shape timer called"); return GEMMTimings(swift: 1, openblas: 1) })
    }

    func folder() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-step-policy-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func fastestWinsAndTiesGoToSwiftThenPerShape() {
        #expect(GEMMSelector.fastestPolicy([.perShape: 1.0, .swift: 0.8, .openblas: 0.9]) == .swift)
        #expect(GEMMSelector.fastestPolicy([.perShape: 0.7, .swift: 0.8, .openblas: 0.9]) == .perShape)
        #expect(GEMMSelector.fastestPolicy([.perShape: 1.0, .swift: 1.0, .openblas: 0.5]) == .openblas)
        // within the margin: Swift first, then the per-shape choice
        #expect(GEMMSelector.fastestPolicy([.perShape: 1.0, .swift: 1.02, .openblas: 0.995]) == .swift)
        #expect(GEMMSelector.fastestPolicy([.perShape: 1.0, .swift: 1.2, .openblas: 0.99]) == .perShape)
        #expect(GEMMSelector.fastestPolicy([:]) == .perShape)
    }

    /// Every policy is measured while applied (a warm-up, then each round), the fastest is
    /// applied afterwards, and the decision is cached: a second selector on the same folder
    /// applies it without measuring.
    @Test func measuresEachPolicyAppliedThenCaches() {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = selector(dir)
        let product = GEMMCalibration.plainProduct(threads: 2)
        let big = GEMMShape(m: 128, n: 512, k: 784)
        var seen: [GEMMPolicy] = []
        let chosen = s.calibrateSteps("step mlp batch 128", threads: 2) { p in
            #expect(s.trialPolicy == p && s.policy == nil)
            if p != .perShape {
                #expect(s.choose(big, threads: 2, context: .pool, product: product) == GEMMChoice(p == .swift ? .swift : .openblas, .stepCalibrated))
            }
            // another thread is not in the trial
            let seenThere = Locked<GEMMPolicy?>(.perShape), done = DispatchSemaphore(value: 0)
            Thread { seenThere.withLock { $0 = s.trialPolicy }; done.signal() }.start()
            done.wait()
            #expect(seenThere.withLock { $0 } == nil)
            seen.append(p)
            return p == .swift ? 0.010 : (p == .openblas ? 0.012 : 0.011)
        }
        #expect(chosen == .swift && s.policy == .swift && s.trialPolicy == nil)
        #expect(seen.count == GEMMPolicy.allCases.count * (1 + GEMMSelector.stepRounds))
        #expect(Set(seen) == Set(GEMMPolicy.allCases))
        // products decided from now on run on the Swift kernel, for that reason
        #expect(s.choose(big, threads: 2, context: .pool, product: product) == GEMMChoice(.swift, .stepCalibrated))

        // a second model in the same process: the process's policy, nothing measured
        #expect(s.calibrateSteps("step conv batch 64", threads: 2) { _ in Issue.record("measured"); return 1 } == .swift)

        // a new process (selector) on the same cache reads the decision
        let again = selector(dir)
        let cached = again.calibrateSteps("step mlp batch 128", threads: 2) { _ in Issue.record("measured again"); return 1 }
        #expect(cached == .swift && again.policy == .swift)
        // another thread count is not the cached one
        var measured = 0
        _ = selector(dir).calibrateSteps("step mlp batch 128", threads: 4) { _ in measured += 1; return 1 }
        #expect(measured > 0)
    }

    /// A shape class decided before the step policy keeps its backend: a decision holds for
    /// the whole process.
    @Test func earlierDecisionsHold() {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = GEMMMachineKey(cpuModel: "test", cpuFlags: "0", cores: 2, build: "b", openblas: "x")
        let s = GEMMSelector(forced: nil, openBLASAvailable: true, store: GEMMCalibrationStore(directory: dir, key: key),
                             timer: { _, _, _ in GEMMTimings(swift: 2, openblas: 1) })
        let product = GEMMCalibration.plainProduct(threads: 1)
        let early = GEMMShape(m: 32, n: 32, k: 32), late = GEMMShape(m: 256, n: 256, k: 256)
        #expect(s.choose(early, threads: 1, context: .pool, product: product) == GEMMChoice(.openblas, .calibrated))
        _ = s.calibrateSteps("step mlp", threads: 1) { p in p == .swift ? 0.5 : 1 }
        #expect(s.policy == .swift)
        #expect(s.choose(early, threads: 1, context: .pool, product: product) == GEMMChoice(.openblas, .calibrated))
        #expect(s.choose(late, threads: 1, context: .pool, product: product) == GEMMChoice(.swift, .stepCalibrated))
    }

    /// The typical step decides, not the best: a policy with a few fast steps among slow ones
    /// (OpenBLAS on several threads) loses to a steady one.
    @Test func medianNotMinimumDecides() {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var calls = 0
        let chosen = selector(dir).calibrateSteps("step conv", threads: 2) { p in
            switch p {
            case .openblas: calls += 1; return calls % 3 == 0 ? 0.030 : 0.050   // best 30 ms, typical 50
            case .swift: return 0.036
            case .perShape: return 0.040
            }
        }
        #expect(chosen == .swift)
        #expect(median([3, 1, 2]) == 2 && median([4, 1, 3, 2]) == 2.5)
    }

    /// A per-shape decision is cached too (its "backend" is a policy, not a backend) and read
    /// back by the next process.
    @Test func perShapeDecisionIsCachedToo() {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(selector(dir).calibrateSteps("step mlp", threads: 1) { p in p == .perShape ? 0.5 : 1 } == .perShape)
        let again = selector(dir)
        #expect(again.calibrateSteps("step mlp", threads: 1) { _ in Issue.record("measured again"); return 1 } == .perShape)
        #expect(again.policy == .perShape)
    }

    /// Products inside parallel lanes stay on the Swift kernel whatever the policy.
    @Test func lanesStaySwiftUnderOpenBLASPolicy() {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = selector(dir)
        _ = s.calibrateSteps("step conv", threads: 2) { p in p == .openblas ? 0.5 : 1 }
        #expect(s.policy == .openblas)
        let product = GEMMCalibration.plainProduct(threads: 1)
        #expect(s.choose(GEMMShape(m: 64, n: 64, k: 64), threads: 2, context: .lane, product: product) == GEMMChoice(.swift, .onlySwiftInLanes))
        #expect(s.choose(GEMMShape(m: 64, n: 64, k: 64), threads: 2, context: .pool, product: product) == GEMMChoice(.openblas, .stepCalibrated))
    }

    /// With RDA_GEMM or without OpenBLAS nothing is measured and the policy is per shape.
    @Test func nothingToChooseMeansNoTrial() {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for s in [selector(dir, forced: .openblas), selector(dir, openBLAS: false)] {
            let p = s.calibrateSteps("step mlp", threads: 1) { _ in Issue.record("measured"); return 1 }
            #expect(p == .perShape && s.policy == nil)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(GEMMCalibrationStore.fileName).path))
    }
}
