import Testing
import RDACore
import RDATestSupport

/// `Residual` (y = act(body(x) + x)) and its fused sum `Tensor.addActivated`: gradients against
/// finite differences, values against the separate ops, names as PyTorch's.
@Suite("Residual blocks")
struct ResidualTests {
    /// A ResNet block of `c` channels: conv 3x3 p1, ReLU, conv 3x3 p1, then ReLU of the sum.
    static func block(_ c: Int, seed: UInt64) -> Residual {
        var rng = SeededGenerator(seed: seed)
        return Residual(Sequential(Conv2d(c, c, kernelSize: 3, padding: 1, rng: &rng), ReLU(),
                                   Conv2d(c, c, kernelSize: 3, padding: 1, rng: &rng)))
    }

    @Test(arguments: [Activation.relu, .identity, .sigmoid])
    func addActivatedMatchesFiniteDifferences(_ activation: Activation) {
        checkGradients([random([3, 5, 4], gap: 0.05, seed: 1), random([3, 5, 4], gap: 0.05, seed: 2)]) {
            Tensor.addActivated($0[0], $0[1], activation: activation)
        }
    }

    @Test func addActivatedEqualsTheSeparateOps() {
        let a = random([2, 3, 7], seed: 3), b = random([2, 3, 7], seed: 4)
        #expect(Tensor.addActivated(a, b, activation: .relu).values == (a + b).relu().values)
        #expect(Tensor.addActivated(a, b, activation: .identity).values == (a + b).values)
        // the same tensor twice: both contributions reach its gradient
        let x = random([5], gap: 0.1, seed: 5).requiringGrad()
        Tensor.addActivated(x, x, activation: .relu).sum().backward()
        #expect(x.grad!.values == x.values.map { $0 > 0 ? 2 : 0 })
    }

    /// The block's input and every weight and bias against finite differences, fused and not.
    @Test(arguments: [true, false])
    func blockGradientsMatchFiniteDifferences(fused: Bool) {
        let block = Self.block(2, seed: 6)
        let x = random([2, 2, 4, 3], seed: 7)
        let params = block.parameters
        #expect(params.count == 4)
        checkGradients([x] + params, eps: 1e-2, rtol: 3e-2, atol: 3e-3) { inputs in
            fused ? block(inputs[0]) : withoutFusion { block(inputs[0]) }
        }
    }

    /// With channels-last convolutions (16 channels) the forward pass without gradients keeps the
    /// sum channels-last (deferred NCHW, a flatten and linear reading it so): the same values as
    /// the unfused layers, and as with gradients.
    @Test func channelsLastPathGivesTheSameValues() {
        var rng = SeededGenerator(seed: 8)
        let net = Sequential(Conv2d(3, 16, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
                             Self.block(16, seed: 9), Self.block(16, seed: 10), Flatten(), Linear(16 * 9, 5, rng: &rng))
        let x = random([4, 3, 6, 6], seed: 11)
        let reference = withoutGradients { withoutFusion { net(x) } }
        let fast = withoutGradients { net(x) }
        let recorded = net(x.requiringGrad())
        expectClose(fast.values, reference.values, rtol: 1e-4, atol: 1e-5)
        expectClose(recorded.values, reference.values, rtol: 1e-4, atol: 1e-5)
        // and the block alone, asked for NCHW values after channels-last ones
        let inner = Sequential(Conv2d(3, 16, kernelSize: 3, padding: 1, rng: &rng), ReLU(), Self.block(16, seed: 12))
        expectClose(withoutGradients { inner(x) }.values, withoutGradients { withoutFusion { inner(x) } }.values, rtol: 1e-4, atol: 1e-5)
    }

    @Test func namesAreThoseOfANestedSequential() {
        var rng = SeededGenerator(seed: 13)
        let net = Sequential(Conv2d(1, 4, kernelSize: 3, padding: 1, rng: &rng), ReLU(), Self.block(4, seed: 14))
        #expect(net.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias", "2.2.weight", "2.2.bias"])
        #expect(net.parameterCount == (4 * 9 + 4) + 2 * (4 * 4 * 9 + 4))
        #expect(Self.block(4, seed: 14).parameters.map(\.shape) == [[4, 4, 3, 3], [4], [4, 4, 3, 3], [4]])
    }
}
