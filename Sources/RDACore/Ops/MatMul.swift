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
        GEMM.sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
                   a: a.data, lda: a.shape[1], b: b.data, ldb: b.shape[1], beta: 0, c: y.data, ldc: n)
        return y.recording([a, b]) { out in
            let g = out.grad!.data
            if a.requiresGrad {
                if !transposeA {   // dA[m,k] += g[m,n] op(b)^T
                    GEMM.sgemm(transA: false, transB: !transposeB, m: m, n: k, k: n, alpha: 1,
                               a: g, lda: n, b: b.data, ldb: b.shape[1], beta: 1, c: a.gradData, ldc: k)
                } else {           // dA[k,m] += op(b) g^T
                    GEMM.sgemm(transA: transposeB, transB: true, m: k, n: m, k: n, alpha: 1,
                               a: b.data, lda: b.shape[1], b: g, ldb: n, beta: 1, c: a.gradData, ldc: m)
                }
            }
            if b.requiresGrad {
                if !transposeB {   // dB[k,n] += op(a)^T g
                    GEMM.sgemm(transA: !transposeA, transB: false, m: k, n: n, k: m, alpha: 1,
                               a: a.data, lda: a.shape[1], b: g, ldb: n, beta: 1, c: b.gradData, ldc: n)
                } else {           // dB[n,k] += g^T op(a)
                    GEMM.sgemm(transA: true, transB: transposeA, m: n, n: k, k: m, alpha: 1,
                               a: g, lda: n, b: a.data, ldb: a.shape[1], beta: 1, c: b.gradData, ldc: k)
                }
            }
        }
    }

    /// Affine map y = x W^T + b (the layout of PyTorch's `Linear`).
    /// Shapes: x [N, in], weight [out, in], bias [out] -> [N, out].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        require(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1],
                     "linear: input \(x.shape) does not fit weight \(weight.shape) (want [N, \(weight.rank == 2 ? weight.shape[1] : -1)])")
        let n = x.shape[0], fin = weight.shape[1], fout = weight.shape[0]
        if let bias { require(bias.shape == [fout], "linear: bias \(bias.shape) for weight \(weight.shape)") }
        let y = Tensor(uninitialized: [n, fout])
        if let bias {
            for r in 0..<n { (y.data + r * fout).update(from: bias.data, count: fout) }
        }
        GEMM.sgemm(transA: false, transB: true, m: n, n: fout, k: fin, alpha: 1,
                   a: x.data, lda: fin, b: weight.data, ldb: fin, beta: bias == nil ? 0 : 1, c: y.data, ldc: fout)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return y.recording(inputs) { out in
            let g = out.grad!.data
            if x.requiresGrad {        // dx[N,in] += g[N,out] W[out,in]
                GEMM.sgemm(transA: false, transB: false, m: n, n: fin, k: fout, alpha: 1,
                           a: g, lda: fout, b: weight.data, ldb: fin, beta: 1, c: x.gradData, ldc: fin)
            }
            if weight.requiresGrad {   // dW[out,in] += g^T x
                GEMM.sgemm(transA: true, transB: false, m: fout, n: fin, k: n, alpha: 1,
                           a: g, lda: fout, b: x.data, ldb: fin, beta: 1, c: weight.gradData, ldc: fin)
            }
            if let bias, bias.requiresGrad {   // db[out] += column sums of g
                let gb = bias.gradData
                for r in 0..<n { let row = g + r * fout; for j in 0..<fout { gb[j] += row[j] } }
            }
        }
    }
}
