import RDACore

/// Where a `Trainer` takes its minibatches from: a fixed data set shuffled every epoch
/// (`DatasetBatches`) or random crops of decoded images (`CropSampler`). The epoch loop,
/// progress, checkpoints and resume are one code path for both; a source draws all its
/// randomness from the trainer's generator, so a run is reproducible and resumes bit for bit.
public protocol BatchSource: AnyObject {
    /// Examples in one epoch (steps per epoch = this / batch size, at least 1 step).
    var examplesPerEpoch: Int { get }
    /// The shape of one example ([C, H, W] for images).
    var exampleShape: [Int] { get }
    /// Called at the start of every epoch (also when a resumed run re-enters it) with the
    /// trainer's generator, before any of the epoch's steps: a source that plans an epoch (a
    /// permutation) draws it here.
    func beginEpoch(using rng: inout SeededGenerator)
    /// The minibatch [size, D] of step `step` (0-based) of the current epoch; may draw from
    /// `rng` (crop positions), which the trainer saves with its checkpoints.
    func batch(step: Int, size: Int, using rng: inout SeededGenerator) throws -> Tensor
}

/// A fixed data set as a batch source: a fresh permutation per epoch, batches of consecutive
/// indices of it (the last partial batch dropped). The trainer's behaviour since the start.
public final class DatasetBatches: BatchSource {
    /// The examples.
    public let data: Dataset
    var order: [Int] = []

    /// Batches of `data`.
    public init(_ data: Dataset) { self.data = data }

    /// The data set's example count.
    public var examplesPerEpoch: Int { data.count }
    /// The data set's example shape.
    public var exampleShape: [Int] { data.exampleShape }

    /// Draws the epoch's permutation.
    public func beginEpoch(using rng: inout SeededGenerator) { order = rng.permutation(data.count) }

    /// Rows `order[step * size ..< (step + 1) * size]`.
    public func batch(step: Int, size: Int, using rng: inout SeededGenerator) throws -> Tensor {
        data.examples.gatherRows(order[(step * size)..<((step + 1) * size)])
    }
}
