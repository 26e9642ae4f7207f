import Foundation

/// The randomness that the channel-simulation encoder and decoder share: counter-based, so
/// that candidate n of block b of example e is a pure function of (seed, e, b, n) and the
/// decoder regenerates the one candidate it needs without drawing the ones before it.
///
/// Words come from the SplitMix64 finalizer (Steele, Lea and Flood 2014) of a counter: integer
/// operations only, so they are identical on every machine and thread. Standard normals are
/// made from them by the Box-Muller transform (`normals`), whose `log`, `sqrt`, `cos` and `sin`
/// are the same code on every thread of one build; on another libm a normal can differ by an
/// ulp, which moves a decoded latent by about 1e-16 of its scale.
public enum SimulationRandom {
    /// The SplitMix64 output function of `x`: a bijection of UInt64 that mixes every input bit into every output bit.
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The key of block `block` of example `example` in a file with `seed`.
    public static func key(seed: UInt64, example: Int, block: Int) -> UInt64 {
        mix(mix(mix(seed) ^ UInt64(truncatingIfNeeded: example)) ^ UInt64(truncatingIfNeeded: block))
    }

    /// The base word of candidate `n` (1-based) of the block with `key`.
    @inline(__always)
    static func candidateBase(key: UInt64, n: Int) -> UInt64 {
        mix(key ^ (UInt64(truncatingIfNeeded: n) &* 0xD1B5_4A32_D192_ED03))
    }

    /// Word `p` (0, 1, 2, ...) of a candidate: word 0 gives its arrival-time increment, word
    /// p >= 1 its normals 2(p - 1) and 2(p - 1) + 1.
    @inline(__always)
    static func word(base: UInt64, _ p: Int) -> UInt64 {
        mix(base &+ UInt64(truncatingIfNeeded: p &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// A uniform in (0, 1) from the top 53 bits of `w` (never 0 or 1).
    @inline(__always)
    static func open53(_ w: UInt64) -> Double { (Double(w >> 11) + 0.5) * 0x1p-53 }

    /// The Exp(1) increment of the arrival time of candidate `n`: -ln U.
    @inline(__always)
    static func exponential(base: UInt64) -> Double { -Foundation.log(open53(word(base: base, 0))) }

    /// Two standard normals from one word by Box-Muller: with u1, u2 uniforms in (0, 1) from
    /// its two 32-bit halves, sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2). (32-bit halves cap |g|
    /// at 6.7: a tail mass of 2e-11 is missing, far below anything a file's blocks can see.)
    @inline(__always)
    static func normalPair(_ w: UInt64) -> (Double, Double) {
        let u1 = (Double(w >> 32) + 0.5) * 0x1p-32, u2 = (Double(w & 0xFFFF_FFFF) + 0.5) * 0x1p-32
        let r = (-2 * Foundation.log(u1)).squareRoot(), t = 2 * Double.pi * u2
        return (r * Foundation.cos(t), r * Foundation.sin(t))
    }

    /// The `count` standard normals of candidate `n` of the block with `key`, into `out`
    /// (what the decoder regenerates; the encoder's search computes the same values).
    public static func normals(key: UInt64, n: Int, count: Int, into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        let base = candidateBase(key: key, n: n)
        var p = 1
        while out.count < count {
            let (a, b) = normalPair(word(base: base, p))
            out.append(a)
            if out.count < count { out.append(b) }
            p += 1
        }
    }
}
