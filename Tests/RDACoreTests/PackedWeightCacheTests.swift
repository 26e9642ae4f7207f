import Foundation
import RDAKernels
import Testing

@testable import RDACore

/// The packed-weight cache of coding runs: a 1-row product by a cached pack gives the bits of
/// the product it replaces (`poolGEMM` on the Swift GEMM), and a weight changed since it was
/// packed is packed again.
@Suite("Weights packed once for 1-row products")
struct PackedWeightCacheTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.randomUniform(shape, low: -1, high: 1, using: &rng)
    }

    /// x weight^T by `poolGEMM` on the Swift GEMM (the product the cached path replaces).
    static func reference(_ x: Tensor, _ weight: Tensor) -> [UInt32] {
        let n = weight.shape[0], k = weight.shape[1]
        let y = Tensor(zeros: [1, n])
        poolGEMM(backend: .swift, transA: false, transB: true, m: 1, n: n, k: k,
                 a: x.data, lda: k, b: weight.data, ldb: k, beta: 0, c: y.data, ldc: n)
        return y.values.map(\.bitPattern)
    }

    /// x weight^T through the cache (nil when it declined the product).
    static func cached(_ x: Tensor, _ weight: Tensor, _ cache: PackedWeightCache, backend: GEMMBackend = .swift) -> [UInt32]? {
        let y = Tensor(zeros: [1, weight.shape[0]])
        let used = cache.run { rowProductWithPackedWeight(x, weight: weight, into: y, backend: backend) }
        return used ? y.values.map(\.bitPattern) : nil
    }

    @Test("same bits as the Swift GEMM's product; products poolGEMM splits along k are left to it")
    func sameBits() throws {
        // (k, n): the mlp's layers, odd sizes, and one product poolGEMM splits along k (k >= 4n,
        // n k >= 2^20), which the cache must decline (its bits come from the split).
        for (k, n, split) in [(784, 512, false), (512, 64, false), (32, 512, false), (300, 37, false), (1, 5, false), (4096, 300, true)] {
            let weight = Self.random([n, k], seed: UInt64(k * 7 + n)), x = Self.random([1, k], seed: UInt64(k + 3))
            let cache = PackedWeightCache()
            let got = Self.cached(x, weight, cache)
            if split {
                #expect(got == nil && cache.packCount == 0, "k \(k) n \(n)")
            } else {
                let bits = try #require(got, "k \(k) n \(n)")
                #expect(bits == Self.reference(x, weight), "k \(k) n \(n)")
                #expect(cache.packCount == 1)
            }
        }
    }

    @Test("declined without an active cache, on OpenBLAS, and for more than one row")
    func declined() {
        let weight = Self.random([20, 30], seed: 1), cache = PackedWeightCache()
        #expect(!rowProductWithPackedWeight(Self.random([1, 30], seed: 2), weight: weight, into: Tensor(zeros: [1, 20]), backend: .swift))
        #expect(Self.cached(Self.random([1, 30], seed: 2), weight, cache, backend: .openblas) == nil)
        let rows = Tensor(zeros: [2, 20])
        #expect(!cache.run { rowProductWithPackedWeight(Self.random([2, 30], seed: 3), weight: weight, into: rows, backend: .swift) })
        #expect(cache.packCount == 0)
    }

    @Test("packed once, packed again after assign, a marked write and an optimizer step")
    func invalidation() throws {
        let k = 300, n = 70
        let weight = Self.random([n, k], seed: 4).requiringGrad(), x = Self.random([1, k], seed: 5)
        let cache = PackedWeightCache()
        let first = try #require(Self.cached(x, weight, cache))
        #expect(try #require(Self.cached(x, weight, cache)) == first)
        #expect(cache.packCount == 1)

        // assign: new values, a new pack (the stale one would give `first` back)
        weight.assign(Self.random([n, k], seed: 6))
        let afterAssign = try #require(Self.cached(x, weight, cache))
        #expect(afterAssign == Self.reference(x, weight))
        #expect(afterAssign != first)
        #expect(cache.packCount == 2)

        // a write through `data`, announced
        for j in 0..<n { weight.data[j * k] += 0.5 }
        weight.markModified()
        let afterWrite = try #require(Self.cached(x, weight, cache))
        #expect(afterWrite == Self.reference(x, weight))
        #expect(afterWrite != afterAssign)
        #expect(cache.packCount == 3)

        // an optimizer step
        weight.grad = Tensor(shape: [n, k], repeating: 1)
        SGD([weight], learningRate: 0.25).step()
        let afterStep = try #require(Self.cached(x, weight, cache))
        #expect(afterStep == Self.reference(x, weight))
        #expect(afterStep != afterWrite)
        #expect(cache.packCount == 4)
    }

    @Test("Tensor.linear on one row inside a cache: the bits of the same layer outside it")
    func linearLayer() {
        var rng = SeededGenerator(seed: 9)
        let layer = Linear(200, 48, rng: &rng), x = Self.random([1, 200], seed: 10)
        let outside = withoutGradients { layer(x, activation: .relu) }.values.map(\.bitPattern)
        let cache = PackedWeightCache()
        let inside = withoutGradients { cache.run { layer(x, activation: .relu) } }.values.map(\.bitPattern)
        #expect(inside == outside)
        // the cache was used exactly when the layer's product runs on the Swift GEMM
        let swift = ProductBackend.pool(GEMMShape(m: 1, n: 48, k: 200, transB: true)).backend == .swift
        #expect(cache.packCount == (swift ? 1 : 0))
    }
}
