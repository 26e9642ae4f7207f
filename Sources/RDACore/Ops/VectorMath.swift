/// Elementary functions on eight lanes at once, for fused kernels over large tensors.
///
/// `Foundation.exp` is a libm call per element, which keeps loops scalar; these stay in SIMD
/// registers. They are not bit-identical to libm: `exp` is within 2 ulp of the correctly
/// rounded value over its whole range (checked in the tests), so a fused kernel using it agrees
/// with the reference composition to float rounding.
public enum VectorMath {
    public typealias V = SIMD8<Float>

    /// e^x per lane: Cody-Waite reduction x = n ln 2 + r, |r| <= ln(2)/2, a degree-6 polynomial
    /// for e^r (Cephes' expf coefficients) and the exponent n put in directly. x is clamped to
    /// [-87.3, 88.37], so the result is 0 < e^x < inf (no overflow, no denormals); NaN stays NaN.
    @inline(__always)
    public static func exp(_ x: V) -> V {
        let hi = V(repeating: 88.37), lo = V(repeating: -87.3)
        var v = x.replacing(with: hi, where: x .> hi)
        v = v.replacing(with: lo, where: v .< lo)
        // n = round(x / ln 2): adding 1.5 * 2^23 rounds to an integer in the low mantissa bits
        let magic = V(repeating: 12_582_912)
        let t = magic.addingProduct(v, V(repeating: 1.442_695_04))   // x log2(e) + magic
        let n = t - magic
        var r = v.addingProduct(n, V(repeating: -0.693_359_375))
        r = r.addingProduct(n, V(repeating: 2.121_944_4e-4))
        var p = V(repeating: 1.987_569_150_0e-4)
        p = p * r + V(repeating: 1.398_199_950_7e-3)
        p = p * r + V(repeating: 8.333_451_907_3e-3)
        p = p * r + V(repeating: 4.166_579_589_4e-2)
        p = p * r + V(repeating: 1.666_666_545_9e-1)
        p = p * r + V(repeating: 5.000_000_120_1e-1)
        let er = (p * (r * r) + r) + 1
        // 2^n: the integer n sits in the low bits of t's pattern (offset by magic's 0x400000)
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: V.self)
        let result = er * scale
        return result.replacing(with: x, where: x .!= x)   // NaN in, NaN out
    }

    /// out[i] = f(x[i] + bias[i * biasStride]) for i < count (bias nil: none; biasStride 0 or 1),
    /// eight lanes at a time; the last count % 8 values go through the same lanes. In place
    /// allowed. The one loop behind every fused elementwise pass over a buffer.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, bias: UnsafePointer<Float>? = nil, biasStride: Int = 0, count: Int,
                    into out: UnsafeMutablePointer<Float>, _ f: (V) -> V) {
        var i = 0
        let rx = UnsafeRawPointer(x), ro = UnsafeMutableRawPointer(out)
        while i + 8 <= count {
            var v = rx.loadUnaligned(fromByteOffset: i &* 4, as: V.self)
            if let bias {
                v += biasStride == 0 ? V(repeating: bias[0]) : UnsafeRawPointer(bias).loadUnaligned(fromByteOffset: i &* 4, as: V.self)
            }
            ro.storeBytes(of: f(v), toByteOffset: i &* 4, as: V.self)
            i &+= 8
        }
        if i < count {
            var v = V()
            for l in 0..<(count - i) { v[l] = x[i + l] }
            if let bias { for l in 0..<(count - i) { v[l] += bias[(i + l) * biasStride] } }
            let r = f(v)
            for l in 0..<(count - i) { out[i + l] = r[l] }
        }
    }

    /// out[i] = e^(scale * x[i]) for i < count (in place allowed). Public for the fused kernels
    /// of RDAModel.
    public static func exp(_ x: UnsafePointer<Float>, scale: Float = 1, count: Int, into out: UnsafeMutablePointer<Float>) {
        let s = V(repeating: scale)
        map(x, count: count, into: out) { exp(s * $0) }
    }

    /// 1 / (1 + e^-x) per lane, as e^x / (1 + e^x) for x < 0 (the formula of `Scalar.sigmoid`).
    @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        let zero = V()
        let e = exp(zero - x.replacing(with: zero - x, where: x .< zero))   // e^-|x|
        let s = 1 / (1 + e)
        return s.replacing(with: e * s, where: x .< zero)
    }
}
