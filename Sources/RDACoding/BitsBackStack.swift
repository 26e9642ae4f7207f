/// The rANS stack of bits-back coding: a 64-bit state over a stack of 32-bit words, pushed and
/// popped with integer intervals [c, c + f) of 2^p (p up to `maximumPrecision`).
///
/// `ANSCoder` (32-bit state, byte-wise, precision at most 20) suits the short messages of
/// `.rdac` records; bits-back coding pushes and pops whole data sets with tables of precision 24,
/// where a state of at least 2^32 keeps rANS's rounding loss below 2^(p - 32) of a bit a symbol
/// (craystack's layout: Townsend et al. 2019).
///
///     x:      the state (head); L = 2^32 <= x < 2^64 whenever the stack holds words
///     words:  the stack, read and written at its end
///
/// Push [c, c + f) of 2^p: if x >= 2^(64 - p) f, move x's low 32 bits onto the stack (x >>= 32);
/// then x = floor(x / f) 2^p + (x mod f) + c. Pop: c' = x mod 2^p names the slot [c, c + f) (the
/// caller's model finds it); x = f floor(x / 2^p) + c' - c, then if x < L and the stack is not
/// empty, x = 2^32 x + (word popped). Push and pop are exact inverses; a pop from an exhausted
/// stack still works (the state shrinks below L and a push restores it).
///
/// `bytes` is the words (little-endian) then the state (8 bytes): the length is a multiple of
/// 4 and at least 8.
public struct BitsBackStack: Equatable, Sendable {
    /// Largest precision p of a pushed or popped interval (of 2^p).
    public static let maximumPrecision = 24
    static let lowerBound: UInt64 = 1 << 32

    /// The state.
    public private(set) var head: UInt64
    /// The stack of 32-bit words under the state.
    public private(set) var words: [UInt32]

    /// A stack of `words` under the state `head`: the initial bits a chain borrows. The decoder
    /// ends on exactly this stack.
    public init(head: UInt64, words: [UInt32]) {
        self.head = head
        self.words = words
    }

    /// A stack of `wordCount` pseudo-random words and a state >= 2^32 drawn from `seed`
    /// (SplitMix64): the same seed gives the same stack on any machine.
    public init(randomWords wordCount: Int, seed: UInt64) {
        var s = seed
        func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        words = (0..<Swift.max(wordCount, 0)).map { _ in UInt32(truncatingIfNeeded: next()) }
        head = next() | Self.lowerBound
    }

    /// The stack that `bytes` (from `bytes`) describes, or nil when it is not a whole number of
    /// words with a state.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 8, bytes.count % 4 == 0 else { return nil }
        var w: [UInt32] = []
        w.reserveCapacity(bytes.count / 4 - 2)
        for i in stride(from: 0, to: bytes.count - 8, by: 4) {
            w.append(UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
        var h: UInt64 = 0
        for i in 0..<8 { h |= UInt64(bytes[bytes.count - 8 + i]) << UInt64(8 * i) }
        words = w
        head = h
    }

    /// The words then the state, little-endian.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(words.count * 4 + 8)
        for w in words { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: w >> UInt32(8 * i))) } }
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: head >> UInt64(8 * i))) }
        return out
    }

    /// The length of `bytes` in bits.
    public var bitCount: Int { (words.count + 2) * 32 }

    /// Pushes the interval [cumulative, cumulative + frequency) of 2^precision.
    @inline(__always)
    public mutating func push(cumulative: UInt32, frequency: UInt32, precision: Int) {
        precondition(frequency >= 1 && (1...Self.maximumPrecision).contains(precision)
                     && UInt64(cumulative) + UInt64(frequency) <= UInt64(1) << UInt64(precision),
                     "BitsBackStack.push: bad interval [\(cumulative), +\(frequency)) of 2^\(precision)")
        let f = UInt64(frequency), p = UInt64(precision)
        if head >> (64 - p) >= f {   // x >= 2^(64 - p) f, without the overflow of f = 2^p
            words.append(UInt32(truncatingIfNeeded: head))
            head >>= 32
        }
        head = ((head / f) << p) + (head % f) + UInt64(cumulative)
    }

    /// The value c' in 0..<2^precision that names the next slot to pop.
    @inline(__always)
    public func peek(precision: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: head & ((UInt64(1) << UInt64(precision)) - 1))
    }

    /// Pops the interval [cumulative, cumulative + frequency) of 2^precision that holds `peek`.
    @inline(__always)
    public mutating func pop(cumulative: UInt32, frequency: UInt32, precision: Int) {
        let p = UInt64(precision), slot = head & ((UInt64(1) << p) - 1)
        precondition(slot >= UInt64(cumulative) && slot < UInt64(cumulative) + UInt64(frequency),
                     "BitsBackStack.pop: the interval [\(cumulative), +\(frequency)) does not hold \(slot)")
        head = UInt64(frequency) * (head >> p) + slot - UInt64(cumulative)
        if head < Self.lowerBound, let w = words.popLast() {
            head = (head << 32) | UInt64(w)
        }
    }
}
