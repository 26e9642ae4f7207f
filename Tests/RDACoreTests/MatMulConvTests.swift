import Testing
import RDACore
import RDATestSupport

@Suite("Matrix products and convolutions")
struct MatMulConvTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matmulAllTransposes(_ ta: Bool, _ tb: Bool) {
        let (m, k, n) = (3, 5, 4)
        let a = random(ta ? [k, m] : [m, k], seed: 40), b = random(tb ? [n, k] : [k, n], seed: 41)
        // against a naive product
        let y = Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
        var want = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k {
            let av = ta ? a.data[p * m + i] : a.data[i * k + p]
            let bv = tb ? b.data[j * k + p] : b.data[p * n + j]
            want[i * n + j] += av * bv
        } } }
        expectClose(y.values, want, rtol: 1e-5, atol: 1e-5)
        checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
    }

    @Test func matmulHandValues() {
        let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), b = Tensor(shape: [2, 2], values: [5, 6, 7, 8])
        #expect(Tensor.matmul(a, b).values == [19, 22, 43, 50])
        #expect(Tensor.matmul(a, b, transposeA: true).values == [26, 30, 38, 44])
    }

    @Test func linearMatchesFiniteDifferences() {
        checkGradients([random([4, 6], seed: 42), random([3, 6], seed: 43), random([3], seed: 44)]) {
            Tensor.linear($0[0], weight: $0[1], bias: $0[2])
        }
    }

    /// Direct convolution: y[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] x[n,c,i*s-pad+p, j*s-pad+q].
    func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor, stride s: Int, padding pad: Int) -> [Float] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * pad - kh) / s + 1, ow = (wd + 2 * pad - kw) / s + 1
        var y = [Float](repeating: 0, count: n * o * oh * ow)
        for ni in 0..<n { for oi in 0..<o { for i in 0..<oh { for j in 0..<ow {
            var acc = b.data[oi]
            for ci in 0..<c { for p in 0..<kh { for q in 0..<kw {
                let ii = i * s - pad + p, jj = j * s - pad + q
                if ii >= 0 && ii < h && jj >= 0 && jj < wd {
                    acc += w.data[((oi * c + ci) * kh + p) * kw + q] * x.data[((ni * c + ci) * h + ii) * wd + jj]
                }
            } } }
            y[((ni * o + oi) * oh + i) * ow + j] = acc
        } } } }
        return y
    }

    @Test(arguments: [(1, 0, 3), (2, 1, 4), (2, 0, 3), (1, 1, 2)])
    func conv2dMatchesDirectAndFiniteDifferences(_ stride: Int, _ padding: Int, _ k: Int) {
        let x = random([2, 3, 6, 5], seed: 50), w = random([4, 3, k, k], -0.5, 0.5, seed: 51), b = random([4], seed: 52)
        let y = Tensor.conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
        expectClose(y.values, naiveConv(x, w, b, stride: stride, padding: padding), rtol: 1e-4, atol: 1e-5)
        checkGradients([x, w, b]) { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding) }
    }

    @Test(arguments: [(2, 1, 4, 0), (1, 0, 3, 0), (2, 1, 3, 1), (3, 0, 2, 2)])
    func convTranspose2dIsTheAdjointAndMatchesFiniteDifferences(_ stride: Int, _ padding: Int, _ k: Int, _ outPad: Int) {
        let x = random([2, 3, 4, 3], seed: 60), w = random([3, 2, k, k], -0.5, 0.5, seed: 61), b = random([2], seed: 62)
        let y = Tensor.convTranspose2d(x, weight: w, bias: nil, stride: stride, padding: padding, outputPadding: outPad)
        // adjoint: <convT(x), u> = <x, conv(u)> with the same weights (w read as [O=3, C=2, k, k])
        let u = random(y.shape, seed: 63)
        let back = Tensor.conv2d(u, weight: w, bias: nil, stride: stride, padding: padding)
        #expect(back.shape == x.shape)
        let lhs = zip(y.values, u.values).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let rhs = zip(x.values, back.values).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        #expect(Swift.abs(lhs - rhs) <= 1e-4 * Swift.max(1, Swift.abs(lhs)))
        checkGradients([x, w, b]) {
            Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding, outputPadding: outPad)
        }
    }

    @Test func convTransposeOutputShape() {
        let y = Tensor.convTranspose2d(Tensor(zeros: [1, 64, 7, 7]), weight: Tensor(zeros: [64, 32, 4, 4]), bias: nil, stride: 2, padding: 1)
        #expect(y.shape == [1, 32, 14, 14])
    }
}
