import Testing
import RDACore
import RDATestSupport

@Suite("Reductions and shape ops")
struct ReduceShapeTests {
    @Test func sumAndMeanOverAxes() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(x.sum().scalar == 21)
        #expect(x.sum(axes: [0]).values == [5, 7, 9])
        #expect(x.sum(axes: [1]).values == [6, 15])
        #expect(x.sum(axes: [-1], keepDims: true).shape == [2, 1])
        #expect(x.mean(axes: [1]).values == [2, 5])
        #expect(x.mean().scalar == 3.5)
        checkGradients([random([2, 3, 4], seed: 20)]) { $0[0].sum(axes: [1]) }
        checkGradients([random([2, 3, 4], seed: 21)]) { $0[0].sum(axes: [0, 2], keepDims: true) }
        checkGradients([random([2, 3, 4], seed: 22)]) { $0[0].mean(axes: [-1]) }
        checkGradients([random([5, 2], seed: 23)]) { $0[0].mean() }
    }

    @Test func reshapeConcatSplitSlice() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(x.reshaped([3, -1]).shape == [3, 2])
        let c = Tensor.concat([x, Tensor(shape: [2, 1], values: [7, 8])], axis: 1)
        #expect(c.values == [1, 2, 3, 7, 4, 5, 6, 8])
        let parts = c.split([1, 3], axis: 1)
        #expect(parts[0].values == [1, 4] && parts[1].values == [2, 3, 7, 5, 6, 8])
        #expect(x.slice(1..<2).values == [4, 5, 6])
        checkGradients([random([2, 6], seed: 30)]) { $0[0].reshaped([3, 4]).square() }
        checkGradients([random([2, 3], seed: 31), random([2, 2], seed: 32)]) { Tensor.concat([$0[0], $0[1]], axis: 1).square() }
        checkGradients([random([3, 2], seed: 33), random([1, 2], seed: 34)]) { Tensor.concat([$0[0], $0[1]], axis: 0).square() }
        checkGradients([random([4, 5], seed: 35)]) { t in
            let p = t[0].split([2, 3], axis: 1)
            return p[0].sum(axes: [1]) * p[1].sum(axes: [1])
        }
        checkGradients([random([5, 3], seed: 36)]) { $0[0].slice(1..<4).square() }
    }
}
