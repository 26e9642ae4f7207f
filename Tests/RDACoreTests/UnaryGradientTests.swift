import Testing
import Foundation
import RDACore
import RDATestSupport

@Suite("Unary ops: finite differences and hand values")
struct UnaryGradientTests {
    @Test func smoothOpsMatchFiniteDifferences() {
        checkGradients([random([3, 5], seed: 1)]) { $0[0].exp() }
        checkGradients([random([4, 3], 0.2, 3, seed: 2)]) { $0[0].log() }
        checkGradients([random([2, 7], -0.5, 3, seed: 3)]) { $0[0].log1p() }
        checkGradients([random([6], 0.2, 4, seed: 4)]) { $0[0].sqrt() }
        checkGradients([random([3, 3], seed: 5)]) { $0[0].square() }
        checkGradients([random([2, 3, 4], seed: 6)]) { $0[0].sigmoid() }
        checkGradients([random([5, 2], seed: 7)]) { $0[0].tanh() }
        checkGradients([random([4, 4], -6, 6, seed: 8)]) { $0[0].softplus() }
        checkGradients([random([3, 2], seed: 9)]) { -$0[0] }
        checkGradients([random([3, 2], seed: 10)]) { $0[0].scaled(by: -1.5).shifted(by: 0.3) }
    }

    @Test func kinkedOpsMatchAwayFromZero() {
        checkGradients([random([4, 5], gap: 0.05, seed: 11)]) { $0[0].abs() }
        checkGradients([random([4, 5], gap: 0.05, seed: 12)]) { $0[0].relu() }
        checkGradients([random([4, 5], gap: 0.05, seed: 13)]) { $0[0].leakyRelu(slope: 0.2) }
        let x = random([20], -3, 3, seed: 14)
        for i in 0..<x.count where Swift.abs(Swift.abs(x.data[i]) - 1) < 0.05 { x.data[i] = 0 }
        checkGradients([x]) { $0[0].clamped(-1, 1) }
    }

    @Test func handValues() {
        let x = Tensor(shape: [4], values: [-2, 0, 0.5, 3]).requiringGrad()
        #expect(x.relu().values == [0, 0, 0.5, 3])
        #expect(x.abs().values == [2, 0, 0.5, 3])
        #expect(x.leakyRelu(slope: 0.1).values[0] == -0.2)
        #expect(x.square().values == [4, 0, 0.25, 9])
        // subgradient of |x| at 0 is 0; of relu at 0 is 0
        x.abs().sum().backward()
        #expect(x.grad!.values == [-1, 0, 1, 1])
        x.zeroGrad()
        x.relu().sum().backward()
        #expect(x.grad!.values == [0, 0, 1, 1])
        #expect(Tensor(0).sigmoid().scalar == 0.5)
        #expect(Swift.abs(Tensor(1).exp().scalar - Float(M_E)) < 1e-6)
    }

    @Test func stableAtExtremes() {
        let x = Tensor(shape: [4], values: [-1000, -100, 100, 1000])
        let sp = x.softplus().values
        #expect(sp[0] == 0 && sp[1] < 1e-30 && sp[2] == 100 && sp[3] == 1000)
        let sg = x.sigmoid().values
        #expect(sg == [0, sg[1], 1, 1] && sg[1] >= 0 && sg.allSatisfy { $0.isFinite })
        #expect(Tensor(shape: [1], values: [1e-10]).log1p().scalar == 1e-10)
    }
}
