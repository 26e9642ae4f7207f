// Weights packed once for the 1-row products of a coding run.
//
// Bits-back coding runs the networks one example at a time, so every linear layer is a product
// of one row by its weight, and the Swift GEMM packed the whole weight for each of them. Inside
// `PackedWeightCache.run`, `Tensor.linear` on one row multiplies by the weight's pack from the
// cache (`GEMM.rowProduct`: the bits of the GEMM it replaces), packing it at its first use and
// again whenever the weight's `version` has changed since.
import Foundation
import RDAKernels

/// Packed weights for the 1-row linear products run inside `run` (one cache per coding run).
///
/// A pack is used while the weight's `Tensor.version` is the one it was packed at, the GEMM's
/// k blocking and instruction set are those it was packed for, and the product would run on the
/// Swift GEMM without a k split (`poolGEMM`): then the result has the bits of the product it
/// replaces. Code that writes a weight through `data` while a cache is active must call
/// `markModified()` (`assign` and the optimizers do).
public final class PackedWeightCache: @unchecked Sendable {
    private struct Entry {
        let weight: Tensor      // held, so that its identity is not reused while the entry lives
        let version: Int
        let pack: PackedRHS
    }

    private var entries: [ObjectIdentifier: Entry] = [:]
    private let lock = NSLock()
    private var packs = 0

    /// An empty cache.
    public init() {}

    /// How many weights were packed so far (a first use, or a changed weight packed again).
    public var packCount: Int { lock.withLock { packs } }

    /// The cache `Tensor.linear` uses on this thread (bound by `run`).
    @TaskLocal static var active: PackedWeightCache?

    /// Runs `body` with this cache serving the 1-row linear products it makes on this thread.
    public func run<R>(_ body: () throws -> R) rethrows -> R {
        try PackedWeightCache.$active.withValue(self, operation: body)
    }

    /// The pack of op(B) = weight^T (weight [n, k]) for a product that may use it, packing it now
    /// when there is none or it is stale.
    func pack(of weight: Tensor) -> PackedRHS {
        let key = ObjectIdentifier(weight)
        return lock.withLock {
            if let e = entries[key], e.version == weight.version, e.pack.isCurrent, e.pack.isa == KernelISA.active {
                return e.pack
            }
            let pack = PackedRHS(transposed: true, b: weight.data, ldb: weight.shape[1],
                                 k: weight.shape[1], n: weight.shape[0])
            entries[key] = Entry(weight: weight, version: weight.version, pack: pack)
            packs += 1
            return pack
        }
    }
}

/// y[0, :] = x[0, :] weight^T from the active cache's pack of `weight` (x [1, k], weight [n, k],
/// y [1, n]) when there is an active cache and the product `poolGEMM` would make runs on the
/// Swift GEMM without a k split (the bits are then the same). Returns false, writing nothing,
/// otherwise.
func rowProductWithPackedWeight(_ x: Tensor, weight: Tensor, into y: Tensor) -> Bool {
    guard x.shape[0] == 1, PackedWeightCache.active != nil, weight.shape[0] >= 1, weight.shape[1] >= 1 else { return false }
    let shape = GEMMShape(m: 1, n: weight.shape[0], k: weight.shape[1], transA: false, transB: true)
    return rowProductWithPackedWeight(x, weight: weight, into: y, backend: ProductBackend.pool(shape).backend)
}

/// As `rowProductWithPackedWeight(_:weight:into:)` for a product whose `poolGEMM` would run on `backend`.
func rowProductWithPackedWeight(_ x: Tensor, weight: Tensor, into y: Tensor, backend: GEMMBackend) -> Bool {
    guard x.shape[0] == 1, backend == .swift, let cache = PackedWeightCache.active else { return false }
    let n = weight.shape[0], k = weight.shape[1]
    guard n >= 1, k >= 1 else { return false }
    if splitsAlongK(backend: backend, m: 1, n: n, k: k) { return false }   // poolGEMM would split it: other bits
    GEMM.rowProduct(a: x.data, b: cache.pack(of: weight), c: y.data)
    return true
}
