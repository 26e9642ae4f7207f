import Foundation
import Testing
import RDACore
import RDAModel

/// Issue 25, class 6: the state records the GEMM setup its steps ran under; a resume under
/// another one (a changed calibration cache, RDA_GEMM, OpenBLAS) is refused instead of giving
/// another model than an uninterrupted run.
@Suite("Training state: the GEMM setup is recorded")
struct StateGEMMTests {
    @Test func anotherGEMMSetupIsRefused() throws {
        let (train, makeTrainer) = try ResumeStateTests.setup(.linear)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rda-gemm-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let t = makeTrainer()
        _ = try t.train(on: train, test: nil, onCheckpoint: { try TrainingState.save(t, at: $0, to: url, gemm: "auto/swift") })
        #expect(throws: RDAError.self) { _ = try TrainingState.restore(makeTrainer(), from: url, gemm: "auto/per_shape") }
        do { _ = try TrainingState.restore(makeTrainer(), from: url, gemm: "auto/openblas") } catch {
            #expect("\(error)".contains("auto/swift") && "\(error)".contains("auto/openblas"), "\(error)")
        }
        // the same setup, or a caller that does not say, resumes
        _ = try TrainingState.restore(makeTrainer(), from: url, gemm: "auto/swift")
        _ = try TrainingState.restore(makeTrainer(), from: url)
    }
}
