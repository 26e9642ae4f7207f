import Foundation

/// SplitMix64: the seeded generator all of rda's randomness flows through.
///
/// Same seed, same sequence, bit for bit, on every machine (integer arithmetic only; the float
/// conversions below are exact). Normals come from the Box-Muller transform on two uniforms.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Next 64 random bits: state += 0x9E3779B97F4A7C15, then the SplitMix64 output mix.
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [0, 1) with 24 random bits.
    @inlinable public mutating func nextFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform on [0, 1) with 53 random bits.
    @inlinable public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A child generator with its own stream, derived from this one (for splitting work
    /// deterministically: e.g. the test split of a synthetic source).
    public mutating func split() -> SeededGenerator {
        SeededGenerator(seed: next() ^ 0xD1B5_4A32_D192_ED03)
    }

    /// Fills `count` values with i.i.d. N(0, 1) draws (Box-Muller: r = sqrt(-2 ln u1),
    /// pair (r cos 2 pi u2, r sin 2 pi u2), with u1 in (0, 1]).
    ///
    /// SplitMix64 is a counter (the n-th draw depends only on state + n * 0x9E37...), so large
    /// fills are cut into chunks of pairs that start from the state their first draw would see
    /// and run on the worker pool: the same values, bit for bit, as one draw after another.
    public mutating func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let pairs = (count + 1) / 2
        let start = state
        if pairs >= 2048 {
            parallelRanges(pairs, grain: 1024) { lo, hi in
                var g = SeededGenerator(seed: start &+ UInt64(truncatingIfNeeded: 2 * lo) &* 0x9E37_79B9_7F4A_7C15)
                g.fillNormalSerial(p + 2 * lo, count: Swift.min(count, 2 * hi) - 2 * lo)
            }
            state = start &+ UInt64(truncatingIfNeeded: 2 * pairs) &* 0x9E37_79B9_7F4A_7C15
            return
        }
        fillNormalSerial(p, count: count)
    }

    /// `fillNormal` on the calling thread.
    mutating func fillNormalSerial(_ p: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            let u1 = 1.0 - nextDouble()          // (0, 1]
            let u2 = nextDouble()
            let r = (-2.0 * Foundation.log(u1)).squareRoot()
            let a = 2.0 * Double.pi * u2
            p[i] = Float(r * Foundation.cos(a))
            if i + 1 < count { p[i + 1] = Float(r * Foundation.sin(a)) }
            i += 2
        }
    }

    /// One N(0, 1) draw.
    public mutating func nextNormal() -> Float {
        var x: Float = 0
        fillNormal(&x, count: 1)
        return x
    }

    /// A uniformly random permutation of 0..<n (Fisher-Yates, driven by this generator).
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        if n < 2 { return a }
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
        return a
    }
}
