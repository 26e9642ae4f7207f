/// The rANS coder: a last-in first-out stack of coded intervals, for bits-back coding.
///
/// One type both pushes (`encode`, as an `EntropyEncoder`) and pops (`peek` + `consume`, as an
/// `EntropyDecoder`) on the same state, because bits-back coding interleaves the two: it pops
/// a latent from the stack with the posterior, then pushes the data and the latent with their
/// own models. (This replaces the separate ANSEncoder / ANSDecoder of the plan.)
///
/// ## State and invariants (byte-wise rANS, Duda 2013; 32-bit state in a UInt64)
///
///     x:      the state; L = 2^23 <= x < 2^31 whenever any byte has been written
///     stack:  bytes, written and read at the end
///
/// Push [c, c + f) of 2^p: while x >= x_max = (L / 2^p) * 256 * f, move x's low byte onto the
/// stack (x >>= 8); then x = floor(x / f) 2^p + (x mod f) + c. Pop: c' = x mod 2^p names the
/// slot [c, c + f); x = f floor(x / 2^p) + c' - c, then while x < L and the stack is not empty,
/// x = 256 x + (byte popped from the stack). Push and pop are exact inverses.
///
/// The state starts at 0, not at L: the message then pays no bits for an initial state, and
/// as long as nothing has been written x may be small (the pop side stops reading when the
/// stack is empty, which happens exactly there). After the first written byte x stays in
/// [L, 256 L), so the usual rANS argument makes push and pop read the same bytes.
///
/// ## Termination
/// `bytes` is the stack followed by x in as few bytes as it needs (least significant first;
/// popping reads the most significant first). `init(bytes:)` pops bytes into x while x < L:
/// 3 bytes for x in [2^23, 2^24), 4 for x in [2^24, 2^31), all of them when the state never
/// reached L, so no length field is needed. Costs about the precision's worth of bits more than
/// the range coder on short messages (the first pushed symbol starts from state 0): the file
/// format uses the range coder; see `docs/compressed-format.md` for the measured numbers.
///
/// On arbitrary bytes pop never crashes or loops: x < 2^32 always, every pop reads at most
/// 4 bytes, and the model's `slot(forCumulative:)` accepts every c < 2^p.
public struct ANSCoder: EntropyEncoder, EntropyDecoder {
    public static var isLastInFirstOut: Bool { true }

    static let lowerBound: UInt64 = 1 << 23

    private var x: UInt64 = 0
    private var stack: [UInt8] = []

    /// An empty stack.
    public init() {}

    /// The stack that `bytes` (from `bytes` of another coder) describes, ready to pop.
    public init(bytes: [UInt8]) {
        stack = bytes
        refill()
    }

    /// The whole stack as bytes, with the state in its minimal number of bytes at the end.
    public var bytes: [UInt8] {
        var out = stack
        var state = x
        while state > 0 { out.append(UInt8(truncatingIfNeeded: state)); state >>= 8 }
        return out
    }

    /// True when nothing is left: no bytes and the initial state (a fully popped valid message).
    public var isEmpty: Bool { stack.isEmpty && x == 0 }

    // MARK: Push

    public mutating func encode(cumulative: UInt32, frequency: UInt32, precision: Int) {
        precondition(frequency >= 1 && (1...maximumCodingPrecision).contains(precision)
                     && UInt64(cumulative) + UInt64(frequency) <= UInt64(1) << UInt64(precision),
                     "ANSCoder.encode: bad interval [\(cumulative), +\(frequency)) of 2^\(precision)")
        let f = UInt64(frequency), p = UInt64(precision)
        let xMax = ((Self.lowerBound >> p) << 8) * f
        while x >= xMax {
            stack.append(UInt8(truncatingIfNeeded: x))
            x >>= 8
        }
        x = ((x / f) << p) + (x % f) + UInt64(cumulative)
    }

    // MARK: Pop

    public mutating func peek(precision: Int) -> UInt32 {
        precondition((1...maximumCodingPrecision).contains(precision), "ANSCoder.peek: precision \(precision)")
        return UInt32(truncatingIfNeeded: x & ((UInt64(1) << UInt64(precision)) - 1))
    }

    public mutating func consume(cumulative: UInt32, frequency: UInt32, precision: Int) {
        let p = UInt64(precision)
        // x mod 2^p lies in [cumulative, cumulative + frequency): the slot the model returned.
        x = UInt64(frequency) * (x >> p) + (x & ((1 << p) - 1)) - UInt64(cumulative)
        refill()
    }

    private mutating func refill() {
        while x < Self.lowerBound, let byte = stack.popLast() {
            x = (x << 8) | UInt64(byte)
        }
    }
}
