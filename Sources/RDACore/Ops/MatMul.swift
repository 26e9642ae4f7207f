import RDAKernels

extension Tensor {
    /// Matrix product op(a) op(b), where op transposes when asked.
    /// Shapes: a [m, k] (or [k, m] when `transposeA`), b [k, n] (or [n, k]) -> [m, n].
    /// Backward: d op(a) = g op(b)^T, d op(b) = op(a)^T g, each transposed back to storage layout.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        require(a.rank == 2 && b.rank == 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0], n = transposeB ? b.shape[0] : b.shape[1]
        require(k == kb, "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "^T" : "") x \(b.shape)\(transposeB ? "^T" : "")")
        let y = Tensor(uninitialized: [m, n])
        poolGEMM(transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                   a: a.data, lda: a.shape[1], b: b.data, ldb: b.shape[1], beta: 0, c: y.data, ldc: n)
        return y.recording([a, b]) { out in
            let g = out.grad!.data
            if a.requiresGrad {
                let sink = a.gradientSink()
                if !transposeA {   // dA[m,k] += g[m,n] op(b)^T
                    poolGEMM(transA: false, transB: !transposeB, m: m, n: k, k: n,
                               a: g, lda: n, b: b.data, ldb: b.shape[1], beta: sink.beta, c: sink.pointer, ldc: k)
                } else {           // dA[k,m] += op(b) g^T
                    poolGEMM(transA: transposeB, transB: true, m: k, n: m, k: n,
                               a: b.data, lda: b.shape[1], b: g, ldb: n, beta: sink.beta, c: sink.pointer, ldc: m)
                }
            }
            if b.requiresGrad {
                let sink = b.gradientSink()
                if !transposeB {   // dB[k,n] += op(a)^T g
                    poolGEMM(transA: !transposeA, transB: false, m: k, n: n, k: m,
                               a: a.data, lda: a.shape[1], b: g, ldb: n, beta: sink.beta, c: sink.pointer, ldc: n)
                } else {           // dB[n,k] += g^T op(a)
                    poolGEMM(transA: true, transB: transposeA, m: n, n: k, k: m,
                               a: g, lda: n, b: a.data, ldb: a.shape[1], beta: sink.beta, c: sink.pointer, ldc: k)
                }
            }
        }
    }

    /// Affine map y = x W^T + b (the layout of PyTorch's `Linear`).
    /// Shapes: x [N, in], weight [out, in], bias [out] -> [N, out].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        linear(x, weight: weight, bias: bias, activation: .identity)
    }

    /// act(x W^T + b) in one op: the product, then one pass adding the bias and applying the
    /// activation; backward multiplies by act' in place and runs the two products.
    /// Shapes: x [N, in], weight [out, in], bias [out] -> [N, out].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation) -> Tensor {
        require(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1],
                     "linear: input \(x.shape) does not fit weight \(weight.shape) (want [N, \(weight.rank == 2 ? weight.shape[1] : -1)])")
        let n = x.shape[0], fin = weight.shape[1], fout = weight.shape[0]
        if let bias { require(bias.shape == [fout], "linear: bias \(bias.shape) for weight \(weight.shape)") }
        let y = Tensor(uninitialized: [n, fout])
        if !rowProductWithPackedWeight(x, weight: weight, into: y) {   // one row in a coding run
            poolGEMM(transA: false, transB: true, m: n, n: fout, k: fin,
                     a: x.data, lda: fin, b: weight.data, ldb: fin, beta: 0, c: y.data, ldc: fout)
        }
        activation.applyRows(y.data, bias: bias?.data, rows: n, length: fout)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return y.recording(inputs) { out in
            let g = out.grad!.data
            // d(pre-activation) = g * act'(y), in place: out's gradient is not read again.
            activation.multiplyByDerivative(g, output: out.data, count: out.count)
            if x.requiresGrad {        // dx[N,in] += g[N,out] W[out,in]
                let sink = x.gradientSink()
                poolGEMM(transA: false, transB: false, m: n, n: fin, k: fout,
                           a: g, lda: fout, b: weight.data, ldb: fin, beta: sink.beta, c: sink.pointer, ldc: fin)
            }
            if weight.requiresGrad {   // dW[out,in] += g^T x
                let sink = weight.gradientSink()
                poolGEMM(transA: true, transB: false, m: fout, n: fin, k: n,
                           a: g, lda: fout, b: x.data, ldb: fin, beta: sink.beta, c: sink.pointer, ldc: fin)
            }
            if let bias, bias.requiresGrad {   // db[out] += column sums of g
                sumColumns(g, rows: n, length: fout, into: bias.gradientSink())
            }
        }
    }
}

/// sink[j] (+)= sum_r src[r, j] over a [rows, length] buffer.
func sumColumns(_ src: UnsafePointer<Float>, rows: Int, length: Int, into sink: GradientSink) {
    let out = sink.pointer
    parallelRanges(length, grain: Swift.max(64, (1 << 14) / Swift.max(rows, 1))) { lo, hi in
        if !sink.accumulate { (out + lo).update(repeating: 0, count: hi - lo) }
        for r in 0..<rows {
            let row = src + r * length
            for j in lo..<hi { out[j] += row[j] }
        }
    }
}
