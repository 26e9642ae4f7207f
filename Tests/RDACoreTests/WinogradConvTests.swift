import Testing
@testable import RDACore
import RDATestSupport

/// The 4x4, stride-2, padding-1 convolutions of 16k channels run in the Winograd domain
/// (`WinogradConv`): against the direct sum in Double, against finite differences, and the
/// transposed convolution as the convolution's adjoint.
@Suite("Winograd convolutions")
struct WinogradConvTests {
    /// y[n, o, i, j] = b[o] + sum over c, u, v of w[o, c, u, v] x[n, c, 2i - 1 + u, 2j - 1 + v], in Double.
    func direct(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> [Float] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]), o = w.shape[0]
        let oh = h / 2, ow = wd / 2
        var y = [Float](repeating: 0, count: n * o * oh * ow)
        for ni in 0..<n { for oi in 0..<o { for i in 0..<oh { for j in 0..<ow {
            var acc = Double(b?.data[oi] ?? 0)
            for ci in 0..<c { for u in 0..<4 { for v in 0..<4 {
                let ii = 2 * i - 1 + u, jj = 2 * j - 1 + v
                if ii >= 0 && ii < h && jj >= 0 && jj < wd {
                    acc += Double(w.data[((oi * c + ci) * 4 + u) * 4 + v]) * Double(x.data[((ni * c + ci) * h + ii) * wd + jj])
                }
            } } }
            y[((ni * o + oi) * oh + i) * ow + j] = Float(acc)
        } } } }
        return y
    }

    @Test("the products run in the Winograd domain for these shapes, and only for 4x4 stride-2 kernels of 16k channels")
    func appliesWhereItShould() {
        let geo = ConvGeometry(channels: 16, height: 16, width: 8, kernelH: 4, kernelW: 4, stride: 2, padding: 1)
        #expect(WinogradConv.applies(geo: geo, outputs: 32))
        #expect(!WinogradConv.applies(geo: geo, outputs: 24))   // O not a multiple of 16
        #expect(!WinogradConv.applies(geo: ConvGeometry(channels: 8, height: 16, width: 8, kernelH: 4, kernelW: 4, stride: 2, padding: 1), outputs: 32))
        #expect(!WinogradConv.applies(geo: ConvGeometry(channels: 16, height: 12, width: 8, kernelH: 4, kernelW: 4, stride: 2, padding: 1), outputs: 32))
        #expect(!WinogradConv.applies(geo: ConvGeometry(channels: 16, height: 16, width: 8, kernelH: 3, kernelW: 3, stride: 2, padding: 1), outputs: 32))
    }

    @Test("conv2d matches the direct sum (two images, 2 x 1 tiles each, bias and ReLU)")
    func forwardMatchesTheDirectSum() {
        let x = random([2, 16, 16, 8], seed: 70), w = random([32, 16, 4, 4], -0.25, 0.25, seed: 71), b = random([32], seed: 72)
        let y = Tensor.conv2d(x, weight: w, bias: b, stride: 2, padding: 1)
        expectClose(y.values, direct(x, w, b), rtol: 1e-4, atol: 1e-4)
        let r = Tensor.conv2d(x, weight: w, bias: b, stride: 2, padding: 1, activation: .relu)
        expectClose(r.values, direct(x, w, b).map { Swift.max($0, 0) }, rtol: 1e-4, atol: 1e-4)
    }

    @Test("conv2d's gradients match finite differences (2 x 2 tiles: neighbours share input points)")
    func conv2dGradients() {
        checkGradients([random([1, 16, 16, 16], -1, 1, seed: 73), random([16, 16, 4, 4], -0.25, 0.25, seed: 74), random([16], seed: 75)]) {
            Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1)
        }
    }

    @Test("convTranspose2d is conv2d's adjoint, and its gradients match finite differences")
    func transposedConvolution() {
        let x = random([2, 32, 8, 8], seed: 76), w = random([32, 16, 4, 4], -0.25, 0.25, seed: 77)
        let y = Tensor.convTranspose2d(x, weight: w, bias: nil, stride: 2, padding: 1)
        #expect(y.shape == [2, 16, 16, 16])
        let u = random(y.shape, seed: 78)
        let back = Tensor.conv2d(u, weight: w, bias: nil, stride: 2, padding: 1)   // w read as [O = 32, C = 16]
        let lhs = zip(y.values, u.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x.values, back.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(Swift.abs(lhs - rhs) <= 1e-4 * Swift.max(1, Swift.abs(lhs)))
        expectClose(back.values, direct(u, w, nil), rtol: 1e-4, atol: 1e-4)
        checkGradients([random([1, 16, 4, 4], -1, 1, seed: 79), random([16, 16, 4, 4], -0.25, 0.25, seed: 80), random([16], seed: 81)]) {
            Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1)
        }
    }
}
