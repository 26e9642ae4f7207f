import Foundation

/// The randomness that the channel-simulation encoder and decoder share: counter-based, so
/// that candidate n of block b of example e is a pure function of (seed, e, b, n) and the
/// decoder regenerates the one candidate it needs without drawing the ones before it.
///
/// Words come from the SplitMix64 finalizer (Steele, Lea and Flood 2014) of a counter: integer
/// operations only, so they are identical on every machine and thread. Standard normals are
/// made from them by an inverse-CDF table (`normal`): one table read and one multiply-add, the
/// same on every thread; the table is computed once per process with libm's `erfc`, which on
/// another libm can differ by an ulp and move a decoded latent by about 1e-16 of its scale.
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

    /// Word `p` (1, 2, ...) of a candidate: its normals 2(p - 1) and 2(p - 1) + 1. (The base
    /// word itself gives its arrival-time increment.)
    @inline(__always)
    static func word(base: UInt64, _ p: Int) -> UInt64 {
        mix(base &+ UInt64(truncatingIfNeeded: p &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// A uniform in (0, 1) from the top 53 bits of `w` (never 0 or 1).
    @inline(__always)
    static func open53(_ w: UInt64) -> Double { (Double(w >> 11) + 0.5) * 0x1p-53 }

    /// The Exp(1) increment of the arrival time of a candidate from the low 32 bits of its base
    /// word: the inverse CDF -ln(1 - u), interpolated linearly in 2^12 cells of probability
    /// 2^-12 (`NormalQuantiles.exponentialTable`, small enough to stay in cache) and computed
    /// exactly in the last cell. Only the encoder draws arrival times.
    @inline(__always)
    static func exponential(base: UInt64, _ t: UnsafePointer<Double>) -> Double {
        let u = UInt32(truncatingIfNeeded: base)
        let i = Int(u >> 20)
        if i == 4095 { return -Foundation.log1p(-(Double(u) + 0.5) * 0x1p-32) }
        let f = (Double(u & 0xF_FFFF) + 0.5) * 0x1p-20
        return t[i] + f * (t[i + 1] - t[i])
    }

    /// Two standard normals from one word, one from each 32-bit half (`normal`).
    @inline(__always)
    static func normalPair(_ w: UInt64, _ t: UnsafePointer<Float>) -> (Double, Double) {
        (normal(UInt32(truncatingIfNeeded: w >> 32), t), normal(UInt32(truncatingIfNeeded: w), t))
    }

    /// A standard normal from 32 uniform bits by the inverse CDF: the top 16 bits pick a cell
    /// of `NormalQuantiles` (probability 2^-16 each), the low 16 bits interpolate linearly
    /// inside it. The law is N(0, 1) with its quantile function replaced by the interpolant
    /// through 65,537 knots (error at most about 1e-9 in the central cells, whose width is
    /// 4e-5 near 0), bounded by |g| <= `NormalQuantiles.bound` (6.23: the tails beyond carry 5e-10).
    @inline(__always)
    static func normal(_ u: UInt32, _ t: UnsafePointer<Float>) -> Double {
        let i = Int(u >> 16), f = (Double(u & 0xFFFF) + 0.5) * 0x1p-16
        let a = Double(t[i]), b = Double(t[i + 1])
        return a + f * (b - a)
    }

    /// The `count` standard normals of candidate `n` of the block with `key`, into `out`
    /// (what the decoder regenerates; the encoder's search computes the same values).
    public static func normals(key: UInt64, n: Int, count: Int, into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        let base = candidateBase(key: key, n: n)
        NormalQuantiles.table.withUnsafeBufferPointer { table in
            var p = 1
            while out.count < count {
                let (a, b) = normalPair(word(base: base, p), table.baseAddress!)
                out.append(a)
                if out.count < count { out.append(b) }
                p += 1
            }
        }
    }
}

/// The knots of the standard normal's quantile function that `SimulationRandom.normal`
/// interpolates: t[i] = Phi^-1(i / 2^16) for i = 1..<2^16, and t[0] = -t[2^16] = Phi^-1(2^-32)
/// (the outermost cells, each of probability 2^-16, spread uniformly to +-6.23).
public enum NormalQuantiles {
    /// The 2^16 + 1 knots, rounded to Float (256 KiB, to stay in cache; the law they define
    /// is within 1e-7 relative of the quantiles).
    public static let table: [Float] = {
        let n = 1 << 16
        var t = [Float](repeating: 0, count: n + 1)
        for i in 1..<n { t[i] = Float(StandardNormal.quantile(Double(i) / Double(n))) }
        t[0] = Float(StandardNormal.quantile(0x1p-32)); t[n] = -t[0]
        return t
    }()

    /// The knots of the Exp(1) quantile function -ln(1 - i / 2^12), i = 0..<2^12 (the last cell is computed exactly).
    public static let exponentialTable: [Double] = (0..<(1 << 12)).map { -Foundation.log1p(-Double($0) * 0x1p-12) }

    /// The largest |g| the table gives.
    public static var bound: Double { Double(table[table.count - 1]) }
}
