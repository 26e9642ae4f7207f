import RDAKernels

// Where the convolutions' backward passes sum their weight gradients.
//
// Each lane of `forEachBlock` sums its blocks' weight gradients into its own partial, and
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
