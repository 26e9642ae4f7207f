/// The byte-oriented range coder (first-in first-out) with minimal termination: the entropy
/// coder of the .rdac file format.
///
/// ## State and invariants
/// Read the output as the base-256 fraction V = 0.b0 b1 b2 ... (bytes past the end read as 0).
/// The encoder keeps the interval [L, L + R) that V must fall in: the bytes it has written are
/// L's leading digits (up to a pending carry), and a 56-bit window holds the next digits:
///
///     low:   UInt64, L's window (bits 0..<56) plus a carry in bit 56, low < 2^56 between calls
///     range: UInt64, R in window units, 2^48 <= range <= 2^56 between calls
///
/// Coding the interval [c, c + f) of a total 2^p: r = range >> p; low += r c; range = r f. A
/// carry out of the window adds 1 to the bytes already written (0xFF bytes become 0x00 and the
/// carry moves left; it never leaves the message because L + R <= 1). While range < 2^48 the
/// top window byte is final: it is written and low and range shift left by 8. The rounding
/// r = floor(range / 2^p) loses at most 2^p / 2^48 of the range, < 2^-28 bits per symbol.
///
/// ## Termination (minimal, to the bit)
/// At the end V may be any number in [L, L + R). The encoder picks the one with the fewest
/// significant bits: the smallest m in 0...8 such that a multiple of 2^(56 - m) lies in
/// [low, low + range) (range >= 2^48 guarantees m <= 8), rounds low up to it (possibly
/// carrying), writes the ceil(m / 8) window bytes that hold those bits, and then drops every
/// trailing 0x00 byte of the whole output: the decoder reads missing bytes as 0, so V is
/// unchanged. No shorter bit string has its zero-padded value in [L, L + R), so the message's
/// significant bits (`significantBits(of:)`, up to its last 1 bit) are the shortest the final
/// interval allows: an empty message is 0 bits, and a message of ideal cost b bits never takes
/// more than ceil(b) bits (an interval of width 2^-b holds a multiple of 2^-ceil(b)), up to the
/// window's rounding of < 2^-28 bits a symbol: less than one bit over the ideal, often under it.
/// In bytes, the output is ceil(significant bits / 8), never more than 8 bits over the ideal.
///
/// ## Decoder
/// The decoder keeps range and code = (V - L) in the same window, reading 7 bytes to start and
/// one per shift; it computes c = code / r and never does floating point. On arbitrary bytes it
/// cannot crash or loop: c is clamped to [0, 2^p), code stays below range, and every call does
/// a bounded amount of work. It may return wrong symbols for damaged input (the file's checksum
/// catches that).
///
/// ## Measured overhead (bytes * 8 - sum of -log2 P; `CoderTests.overheadAgainstIdealCodeLength`)
/// 1,966 seeded messages of 32 symbols with discretized Gaussian priors, 20-129 ideal bits
/// (mean 72.5): range coder mean +2.6 bits (min -7.9, max +7.9); rANS (`ANSCoder`) mean
/// +15.7 bits (min -4.8, max +21.4). One message of 20,000 symbols: +1.6 and +17.6 bits. The
/// .rdac format therefore uses the range coder.
public struct RangeEncoder: EntropyEncoder {
    public static var isLastInFirstOut: Bool { false }

    static let windowBits: UInt64 = 56
    static let top: UInt64 = 1 << 56
    static let mask: UInt64 = top - 1
    static let bottom: UInt64 = 1 << 48

    private var low: UInt64 = 0
    private var range: UInt64 = RangeEncoder.top
    /// The bytes written so far (the last ones may still receive a carry).
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func encode(cumulative: UInt32, frequency: UInt32, precision: Int) {
        precondition(frequency >= 1 && (1...maximumCodingPrecision).contains(precision)
                     && UInt64(cumulative) + UInt64(frequency) <= UInt64(1) << UInt64(precision),
                     "RangeEncoder.encode: bad interval [\(cumulative), +\(frequency)) of 2^\(precision)")
        let r = range >> UInt64(precision)
        low += r * UInt64(cumulative)
        range = r * UInt64(frequency)
        if low >= Self.top { propagateCarry(); low &= Self.mask }
        while range < Self.bottom {
            bytes.append(UInt8(truncatingIfNeeded: low >> 48))
            low = (low << 8) & Self.mask
            range <<= 8
        }
    }

    /// Adds 1 to the bytes written so far.
    private mutating func propagateCarry() {
        var i = bytes.count - 1
        while i >= 0 && bytes[i] == 0xFF { bytes[i] = 0; i -= 1 }
        precondition(i >= 0, "RangeEncoder: carry out of the message (internal error)")
        bytes[i] += 1
    }

    /// Ends the message with the minimal termination and returns its bytes (the encoder is
    /// spent afterwards). The last byte's bits after the message's last 1 bit are 0:
    /// `significantBits(of:)` is the message's length in bits.
    public mutating func finish() -> [UInt8] {
        // The fewest bits m such that a multiple of 2^(56 - m) lies in [low, low + range);
        // range >= 2^48 makes m <= 8.
        var keep: UInt64 = 0
        while true {
            let granule = UInt64(1) << (Self.windowBits - keep)         // 2^(56 - m)
            let candidate = (low + granule - 1) & ~(granule - 1)        // low rounded up
            if candidate < low + range { low = candidate; break }
            keep += 1
        }
        if low >= Self.top { propagateCarry(); low &= Self.mask }
        for _ in 0..<((keep + 7) / 8) {
            bytes.append(UInt8(truncatingIfNeeded: low >> 48))
            low = (low << 8) & Self.mask
        }
        while bytes.last == 0 { bytes.removeLast() }
        range = Self.top
        low = 0
        return bytes
    }

    /// The length in bits of a message `finish` returned: up to and including its last 1 bit
    /// (0 for an empty message). The decoder reads every bit after it as 0, so these bits are
    /// the whole message; the `.rdac` format (version 2) stores exactly these.
    public static func significantBits(of bytes: [UInt8]) -> Int {
        guard let last = bytes.last else { return 0 }
        return 8 * bytes.count - last.trailingZeroBitCount
    }
}

/// Decodes what `RangeEncoder` wrote (see its doc comment for the invariants).
public struct RangeDecoder: EntropyDecoder {
    private let bytes: [UInt8]
    /// Index of the next byte to read; reads past the end give 0.
    public private(set) var position = 0
    private var code: UInt64 = 0
    private var range: UInt64 = RangeEncoder.top
    private var r: UInt64 = 0

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        for _ in 0..<7 { code = (code << 8) | UInt64(nextByte()) }
    }

    @inline(__always)
    private mutating func nextByte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    /// True when the stream has bytes the decoder never needed: a valid message has none, so
    /// this flags a damaged stream or one coded with other tables.
    public var hasUnreadBytes: Bool { position < bytes.count }

    public mutating func peek(precision: Int) -> UInt32 {
        precondition((1...maximumCodingPrecision).contains(precision), "RangeDecoder.peek: precision \(precision)")
        r = range >> UInt64(precision)
        let c = code / r
        let limit = (UInt64(1) << UInt64(precision)) - 1
        return UInt32(min(c, limit))
    }

    public mutating func consume(cumulative: UInt32, frequency: UInt32, precision: Int) {
        // r was set by the matching peek; r * cumulative <= code because cumulative <= c.
        code -= r * UInt64(cumulative)
        range = r * UInt64(frequency)
        if code >= range { code = range - 1 }   // only on damaged input
        while range < RangeEncoder.bottom {
            code = ((code << 8) | UInt64(nextByte())) & RangeEncoder.mask
            range <<= 8
        }
    }
}
