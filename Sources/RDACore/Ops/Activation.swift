/// An activation fused into the op before it (`linear`, `conv2d`, `convTranspose2d`): the op
/// adds its bias and applies the activation in one pass over its output, and its backward
/// multiplies the incoming gradient by the derivative in place. Same values and gradients as the
/// op followed by `relu()` / `sigmoid()`.
public enum Activation: String, Sendable, CaseIterable {
    /// y = x.
    case identity
    /// y = max(x, 0); dy/dx = 1 for x > 0 (equivalently y > 0), else 0.
    case relu
    /// y = 1 / (1 + e^-x); dy/dx = y (1 - y). Fused, e^x comes from `VectorMath.exp` (within
    /// 2 ulp of libm's).
    case sigmoid

    /// y[r, j] = act(y[r, j] + bias[j]) over a [rows, length] buffer (no bias: act(y)).
    func applyRows(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, length: Int) {
        if self == .identity && bias == nil { return }
        parallelRanges(rows, grain: Swift.max(1, (1 << 15) / Swift.max(length, 1))) { lo, hi in
            for r in lo..<hi { apply(y + r * length, count: length, bias: bias, stride: 1) }
        }
    }

    /// y[n, c, p] = act(y[n, c, p] + bias[c]) over a [batch, channels, plane] buffer.
    func applyPlanes(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, batch: Int, channels: Int, plane: Int) {
        if self == .identity && bias == nil { return }
        let rows = batch * channels
        parallelRanges(rows, grain: Swift.max(1, (1 << 15) / Swift.max(plane, 1))) { lo, hi in
            for r in lo..<hi { apply(y + r * plane, count: plane, bias: bias.map { $0 + r % channels }, stride: 0) }
        }
    }

    /// out[j] = act(v[j] + bias[j * stride]) for j < count (bias stride 0 or 1), eight at a time.
    @inline(__always)
    func apply(_ v: UnsafePointer<Float>, count: Int, bias: UnsafePointer<Float>?, stride: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {   // one specialized loop per activation
        case .identity: VectorMath.map(v, bias: bias, biasStride: stride, count: count, into: out) { $0 }
        case .relu: VectorMath.map(v, bias: bias, biasStride: stride, count: count, into: out) { $0.replacing(with: 0, where: .!($0 .> 0)) }
        case .sigmoid: VectorMath.map(v, bias: bias, biasStride: stride, count: count, into: out) { VectorMath.sigmoid($0) }
        }
    }

    /// act(v + bias[j * stride]) for v in v[0..<count], in place.
    @inline(__always)
    func apply(_ v: UnsafeMutablePointer<Float>, count: Int, bias: UnsafePointer<Float>?, stride: Int) {
        if self == .identity && bias == nil { return }
        apply(v, count: count, bias: bias, stride: stride, into: v)
    }

    /// act(v) on eight lanes.
    @inline(__always)
    func apply(_ v: SIMD8<Float>) -> SIMD8<Float> {
        switch self {
        case .identity: return v
        case .relu: return v.replacing(with: 0, where: .!(v .> 0))
        case .sigmoid: return VectorMath.sigmoid(v)
        }
    }

    /// g[i] *= act'(at the output y[i]), in place, on the worker pool.
    func multiplyByDerivative(_ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        if self == .identity { return }
        parallelRanges(count) { lo, hi in multiplyByDerivativeSerial(g + lo, output: y + lo, count: hi - lo) }
    }

    /// g[i] *= act'(at the output y[i]), in place, on the calling thread.
    @inline(__always)
    func multiplyByDerivativeSerial(_ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        switch self {
        case .identity:
            return
        case .relu:
            for i in 0..<count { g[i] = g[i] * (y[i] > 0 ? 1 : 0) }
        case .sigmoid:
            for i in 0..<count { let s = y[i]; g[i] = g[i] * (s * (1 - s)) }
        }
    }
}

/// An activation on eight lanes, as a type (so that tiled loops specialize per activation).
protocol VectorFunction {
    func callAsFunction(_ v: SIMD8<Float>) -> SIMD8<Float>
}

extension Elementwise {
    struct IdentityV: VectorFunction {
        @inline(__always) func callAsFunction(_ v: SIMD8<Float>) -> SIMD8<Float> { v }
    }
    struct ReLUV: VectorFunction {
        @inline(__always) func callAsFunction(_ v: SIMD8<Float>) -> SIMD8<Float> { v.replacing(with: 0, where: .!(v .> 0)) }
    }
    struct SigmoidV: VectorFunction {
        @inline(__always) func callAsFunction(_ v: SIMD8<Float>) -> SIMD8<Float> { VectorMath.sigmoid(v) }
    }
}
