import RDAKernels

// Where the convolutions' backward passes sum their weight and bias gradients.
//
// Each lane of `forEachBlock` sums its blocks' gradients into its own partial, and
// `reduceLanes` adds the partials in lane order: ((p0 + p1) + p2) + ... On one thread, with one
// block per lane (a batch of at most 16 blocks: the spatial model's batches), the lanes run one
// after the other in lane order, so the same additions can be made as the lanes finish: lane 0
// writes its block's sums into one buffer and every later lane adds its own (the in-place
// kernels sum a block in registers and add it to their output once). Same bits, without the
// lanes' partials (16 x the weight's size, written once and read back) and the reduction pass.

/// Whether `forEachBlock(count:blockSize:)` runs its lanes on this thread in lane order, one
/// block each: then per-lane sums may be added into one buffer as the lanes finish.
func lanesRunInOrder(count: Int, blockSize: Int) -> Bool {
    WorkerPool.shared.threadCount == 1 && lanesFor(count: count, blockSize: blockSize) == (count + blockSize - 1) / blockSize
}

/// The per-lane sums of one gradient (`length` floats) in a convolution's backward pass: a
/// partial per lane, reduced in lane order, or one buffer the lanes add into as they finish
/// (`inOrder`, only where `lanesRunInOrder` holds): the same additions either way.
struct LaneSums {
    let lanes: Int, length: Int, inOrder: Bool
    let parts: Tensor

    /// Sums for `lanes` lanes (none allocated unless `wanted`).
    init(wanted: Bool, lanes: Int, length: Int, inOrder: Bool = false) {
        self.lanes = lanes; self.length = length; self.inOrder = inOrder
        parts = Tensor(uninitialized: [wanted ? (inOrder ? 1 : lanes) : 0, length])
    }

    /// Where lane `lane` writes (or adds) its sums.
    func slot(_ lane: Int) -> UnsafeMutablePointer<Float> { parts.data + (inOrder ? 0 : lane * length) }

    /// Whether lane `lane`, at its first block or a later one, adds to what its slot holds.
    func adds(lane: Int, first: Bool) -> Bool { inOrder ? lane > 0 : !first }

    /// The sum over the lanes into `sink`.
    func reduce(into sink: GradientSink) { reduceLanes(parts.data, lanes: inOrder ? 1 : lanes, length: length, into: sink) }

    /// The sum over the lanes (the buffer itself when the lanes added into one).
    func total() -> Tensor {
        if inOrder { return parts }
        let sum = Tensor(uninitialized: [length])
        reduceLanes(parts.data, lanes: lanes, length: length, into: GradientSink(pointer: sum.data, accumulate: false))
        return sum
    }
}
