// Elementwise binary ops with broadcasting (see `Broadcast`). Shapes: A, B -> broadcast(A, B).
// Backward adds gOut * (df/da) into gA and gOut * (df/db) into gB; on a broadcast axis the
// additions land on the same input element, which is exactly the sum over that axis.

extension Tensor {
    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor, op: String,
                       _ f: @escaping (Float, Float) -> Float,
                       da: @escaping (_ a: Float, _ b: Float, _ y: Float) -> Float,
                       db: @escaping (_ a: Float, _ b: Float, _ y: Float) -> Float) -> Tensor {
        let shape = a.shape == b.shape ? a.shape : Broadcast.shape(a.shape, b.shape, op: op)
        let y = Tensor(uninitialized: shape)
        let ap = a.data, bp = b.data, yp = y.data
        if a.shape == b.shape {
            parallelRanges(y.count) { lo, hi in for i in lo..<hi { yp[i] = f(ap[i], bp[i]) } }
            return y.recording([a, b]) { out in
                let g = out.grad!.data, yp = out.data
                if a.requiresGrad {
                    let ga = a.gradData
                    parallelRanges(out.count) { lo, hi in for i in lo..<hi { ga[i] += g[i] * da(ap[i], bp[i], yp[i]) } }
                }
                if b.requiresGrad {
                    let gb = b.gradData
                    parallelRanges(out.count) { lo, hi in for i in lo..<hi { gb[i] += g[i] * db(ap[i], bp[i], yp[i]) } }
                }
            }
        }
        let sa = Broadcast.strides(of: a.shape, in: shape), sb = Broadcast.strides(of: b.shape, in: shape)
        Broadcast.walk(shape, sa, sb) { o, ia, ib, n, sta, stb in
            for j in 0..<n { yp[o + j] = f(ap[ia + j * sta], bp[ib + j * stb]) }
        }
        return y.recording([a, b]) { out in
            let g = out.grad!.data, yp = out.data
            let ga: UnsafeMutablePointer<Float>? = a.requiresGrad ? a.gradData : nil
            let gb: UnsafeMutablePointer<Float>? = b.requiresGrad ? b.gradData : nil
            Broadcast.walk(out.shape, sa, sb) { o, ia, ib, n, sta, stb in
                for j in 0..<n {
                    let x = ap[ia + j * sta], z = bp[ib + j * stb], gy = g[o + j], yv = yp[o + j]
                    if let ga { ga[ia + j * sta] += gy * da(x, z, yv) }
                    if let gb { gb[ib + j * stb] += gy * db(x, z, yv) }
                }
            }
        }
    }

    /// a + b with broadcasting. Shapes: A, B -> broadcast(A, B).
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, op: "add", { $0 + $1 }, da: { _, _, _ in 1 }, db: { _, _, _ in 1 })
    }

    /// a - b with broadcasting. Shapes: A, B -> broadcast(A, B).
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, op: "sub", { $0 - $1 }, da: { _, _, _ in 1 }, db: { _, _, _ in -1 })
    }

    /// a * b with broadcasting. Shapes: A, B -> broadcast(A, B).
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, op: "mul", { $0 * $1 }, da: { _, b, _ in b }, db: { a, _, _ in a })
    }

    /// a / b with broadcasting. Shapes: A, B -> broadcast(A, B). d/da = 1/b, d/db = -a/b^2.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, op: "div", { $0 / $1 }, da: { _, b, _ in 1 / b }, db: { a, b, _ in -a / (b * b) })
    }
}
