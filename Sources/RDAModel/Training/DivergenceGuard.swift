import RDAIO

/// Detects a diverging training run whose losses stay finite (objectives of 1e14 to 1e31 never
/// trip the NaN stop, and end in infinite evaluation figures).
///
/// The reference is the largest batch objective of the first `warmup` steps (the untrained
/// model's, normally the largest of a healthy run); a batch objective above
/// `factor` x max(reference so far, 1) nats, or above `ceiling` x max(1, lambda), stops training.
struct DivergenceGuard {
    /// Steps whose objectives set the reference.
    static let warmup = 10
    /// How far above the reference a batch objective may go.
    static let factor = 1e4
    /// Objectives beyond this times max(1, lambda) are divergence whatever the reference
    /// (float32 loses every digit of a distortion long before).
    static let ceiling = 1e15

    private(set) var steps = 0
    private(set) var reference = -Double.infinity

    /// Throws an `RDAError` naming `place` when `objective` (a batch's, finite) is divergence;
    /// `note` says what became of the checkpoints.
    mutating func check(objective: Double, lambda: Double, place: String, note: String) throws {
        func g(_ x: Double) -> String { String(format: "%.3g", x) }
        let ceiling = DivergenceGuard.ceiling * Swift.max(1, lambda)
        let relative = reference.isFinite ? DivergenceGuard.factor * Swift.max(reference, 1) : .infinity
        if objective > ceiling || objective > relative {
            let why = objective > ceiling
                ? "is above \(g(ceiling)), far beyond any meaningful loss"
                : "is more than \(g(DivergenceGuard.factor)) times the largest of the first steps' (\(g(reference)))"
            throw RDAError("training stopped at \(place): the objective \(g(objective)) \(why): the run diverged; \(note); lower ‹learning-rate›, use ‹clip-norm›, or lower ‹lambda›")
        }
        steps += 1
        if steps <= DivergenceGuard.warmup { reference = Swift.max(reference, objective) }
    }

    /// What a stop leaves behind: a checkpoint is written after each epoch, so none exists
    /// while the first epoch runs.
    static func checkpointNote(epoch: Int?) -> String {
        guard let epoch else { return "the weights were not updated by this step" }
        return epoch > 1 ? "the last good checkpoint (epoch \(epoch - 1)) is kept" : "no checkpoint was written (the first epoch had not finished)"
    }
}
