// Elementwise binary ops with broadcasting (see `Broadcast`). Shapes: A, B -> broadcast(A, B).
// Backward adds gOut * (df/da) into gA and gOut * (df/db) into gB; on a broadcast axis the
// additions land on the same input element, which is exactly the sum over that axis.

/// An elementwise function of two arguments with its partial derivatives, as a type (see
/// `UnaryKernel`).
protocol BinaryKernel {
    func value(_ a: Float, _ b: Float) -> Float
    /// d/da and d/db from the inputs and the output y.
    func da(_ a: Float, _ b: Float, _ y: Float) -> Float
    func db(_ a: Float, _ b: Float, _ y: Float) -> Float
}

extension Tensor {
    @inline(__always)
    static func binary<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, op: String, _ k: K) -> Tensor {
        let shape = a.shape == b.shape ? a.shape : Broadcast.shape(a.shape, b.shape, op: op)
        let y = Tensor(uninitialized: shape)
        let ap = a.data, bp = b.data, yp = y.data
        if a.shape == b.shape {
            parallelRanges(y.count) { lo, hi in for i in lo..<hi { yp[i] = k.value(ap[i], bp[i]) } }
            return y.recording([a, b]) { out in
                let g = out.grad!.data, yp = out.data
                if a.requiresGrad {
                    let sink = a.gradientSink(), ga = sink.pointer
                    parallelRanges(out.count) { lo, hi in
                        if sink.accumulate {
                            for i in lo..<hi { ga[i] += g[i] * k.da(ap[i], bp[i], yp[i]) }
                        } else {
                            for i in lo..<hi { ga[i] = g[i] * k.da(ap[i], bp[i], yp[i]) }
                        }
                    }
                }
                if b.requiresGrad {
                    let sink = b.gradientSink(), gb = sink.pointer
                    parallelRanges(out.count) { lo, hi in
                        if sink.accumulate {
                            for i in lo..<hi { gb[i] += g[i] * k.db(ap[i], bp[i], yp[i]) }
                        } else {
                            for i in lo..<hi { gb[i] = g[i] * k.db(ap[i], bp[i], yp[i]) }
                        }
                    }
                }
            }
        }
        let sa = Broadcast.strides(of: a.shape, in: shape), sb = Broadcast.strides(of: b.shape, in: shape)
        Broadcast.walk(shape, sa, sb) { o, ia, ib, n, sta, stb in
            for j in 0..<n { yp[o + j] = k.value(ap[ia + j * sta], bp[ib + j * stb]) }
        }
        return y.recording([a, b]) { out in
            let g = out.grad!.data, yp = out.data
            let ga: UnsafeMutablePointer<Float>? = a.requiresGrad ? a.gradData : nil
            let gb: UnsafeMutablePointer<Float>? = b.requiresGrad ? b.gradData : nil
            Broadcast.walk(out.shape, sa, sb) { o, ia, ib, n, sta, stb in
                for j in 0..<n {
                    let x = ap[ia + j * sta], z = bp[ib + j * stb], gy = g[o + j], yv = yp[o + j]
                    if let ga { ga[ia + j * sta] += gy * k.da(x, z, yv) }
                    if let gb { gb[ib + j * stb] += gy * k.db(x, z, yv) }
                }
            }
        }
    }

    /// a + b with broadcasting. Shapes: A, B -> broadcast(A, B).
    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, op: "add", Elementwise.Add()) }

    /// a - b with broadcasting. Shapes: A, B -> broadcast(A, B).
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, op: "sub", Elementwise.Subtract()) }

    /// a * b with broadcasting. Shapes: A, B -> broadcast(A, B).
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, op: "mul", Elementwise.Multiply()) }

    /// a / b with broadcasting. Shapes: A, B -> broadcast(A, B). d/da = 1/b, d/db = -a/b^2.
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, op: "div", Elementwise.Divide()) }
}

extension Elementwise {
    struct Add: BinaryKernel {
        @inline(__always) func value(_ a: Float, _ b: Float) -> Float { a + b }
        @inline(__always) func da(_ a: Float, _ b: Float, _ y: Float) -> Float { 1 }
        @inline(__always) func db(_ a: Float, _ b: Float, _ y: Float) -> Float { 1 }
    }
    struct Subtract: BinaryKernel {
        @inline(__always) func value(_ a: Float, _ b: Float) -> Float { a - b }
        @inline(__always) func da(_ a: Float, _ b: Float, _ y: Float) -> Float { 1 }
        @inline(__always) func db(_ a: Float, _ b: Float, _ y: Float) -> Float { -1 }
    }
    struct Multiply: BinaryKernel {
        @inline(__always) func value(_ a: Float, _ b: Float) -> Float { a * b }
        @inline(__always) func da(_ a: Float, _ b: Float, _ y: Float) -> Float { b }
        @inline(__always) func db(_ a: Float, _ b: Float, _ y: Float) -> Float { a }
    }
    struct Divide: BinaryKernel {
        @inline(__always) func value(_ a: Float, _ b: Float) -> Float { a / b }
        @inline(__always) func da(_ a: Float, _ b: Float, _ y: Float) -> Float { 1 / b }
        @inline(__always) func db(_ a: Float, _ b: Float, _ y: Float) -> Float { -a / (b * b) }
    }
}
