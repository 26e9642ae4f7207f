import Foundation
import Testing
import RDACore
import RDATestSupport

@Suite("Binary ops with broadcasting")
struct BinaryGradientTests {
    static let shapePairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]), ([], [2, 3]), ([5, 1], [5, 3]),
    ]

    @Test(arguments: 0..<shapePairs.count)
    func addSubMulDivMatchFiniteDifferences(_ index: Int) {
        let (sa, sb) = Self.shapePairs[index]
        let s = UInt64(index * 10)
        checkGradients([random(sa, seed: s + 1), random(sb, seed: s + 2)]) { $0[0] + $0[1] }
        checkGradients([random(sa, seed: s + 3), random(sb, seed: s + 4)]) { $0[0] - $0[1] }
        checkGradients([random(sa, seed: s + 5), random(sb, seed: s + 6)]) { $0[0] * $0[1] }
        checkGradients([random(sa, seed: s + 7), random(sb, 0.5, 2, seed: s + 8)]) { $0[0] / $0[1] }
        checkGradients([random(sb, seed: s + 9), random(sa, seed: s + 10)]) { $0[0] * $0[1] }
    }

    @Test func broadcastHandValues() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]).requiringGrad()
        let b = Tensor(shape: [3], values: [10, 20, 30]).requiringGrad()
        let c = Tensor(shape: [2, 1], values: [100, 200]).requiringGrad()
        let y = a + b + c
        #expect(y.shape == [2, 3])
        #expect(y.values == [111, 122, 133, 214, 225, 236])
        y.sum().backward()
        #expect(b.grad!.values == [2, 2, 2])
        #expect(c.grad!.values == [3, 3])
        #expect(a.grad!.values == [1, 1, 1, 1, 1, 1])
    }

    @Test func valueUsedTwiceAddsGradients() {
        let x = Tensor(shape: [3], values: [1, -2, 3]).requiringGrad()
        (x * x + x).sum().backward()       // d/dx = 2x + 1
        #expect(x.grad!.values == [3, -3, 7])
        x.zeroGrad()
        let h = x.exp()
        (h * h).sum().backward()           // d/dx e^{2x} = 2 e^{2x}
        expectClose(x.grad!.values, x.values.map { 2 * Foundation.exp(2 * $0) }, rtol: 1e-5)
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor(shape: [2], values: [1, 2]).requiringGrad()
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        #expect(x.grad!.values == [6, 6])
    }

    @Test func mismatchedShapesStopWithBothShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]) + Tensor(zeros: [4])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("[2, 3]") && text.contains("[4]"))
        }
    }
}
