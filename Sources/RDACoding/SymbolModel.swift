/// The interface shared by every entropy coder of rda and every model of symbol probabilities.
///
/// A *symbol model* divides the integer interval [0, 2^precision) into `slotCount` adjacent
/// sub-intervals, one per *slot*: slot s owns [cumulative(s), cumulative(s) + frequency(s)), so
/// its probability is frequency(s) / 2^precision. Everything is an integer: encoders and
/// decoders that use the same model make identical decisions on every machine.
///
/// A coder codes a sequence of such intervals. The range coder (`RangeEncoder`/`RangeDecoder`)
/// is first-in first-out; the rANS coder (`ANSCoder`) is last-in first-out (a stack), which
/// bits-back coding needs. Both conform to `EntropyEncoder` / `EntropyDecoder`, so models and
/// the escape code (`FrequencyTable`) are written once for both.
public protocol SymbolModel {
    /// log2 of the total: the frequencies of all slots sum to exactly 2^precision.
    var precision: Int { get }
    /// Number of slots, indexed 0..<slotCount.
    var slotCount: Int { get }
    /// Frequency of `slot` (>= 1).
    func frequency(ofSlot slot: Int) -> UInt32
    /// Sum of the frequencies of the slots before `slot`.
    func cumulative(ofSlot slot: Int) -> UInt32
    /// The slot s with cumulative(s) <= c < cumulative(s) + frequency(s), for any c < 2^precision.
    func slot(forCumulative c: UInt32) -> Int
}

/// Largest precision (log2 of a model's total) the coders accept. rANS needs
/// precision <= 23 (its lower bound 2^23 must be a multiple of the total); 20 leaves margin.
public let maximumCodingPrecision = 20

/// An encoder of integer intervals.
public protocol EntropyEncoder {
    /// True for a stack (rANS): the decoder returns intervals in reverse order of encoding.
    static var isLastInFirstOut: Bool { get }
    /// Codes the interval [cumulative, cumulative + frequency) out of 2^precision
    /// (frequency >= 1, cumulative + frequency <= 2^precision, 1 <= precision <= maximumCodingPrecision).
    /// Costs -log2(frequency / 2^precision) bits, plus the coder's rounding.
    mutating func encode(cumulative: UInt32, frequency: UInt32, precision: Int)
}

/// A decoder of integer intervals: `peek` then `consume`, for the same precision.
public protocol EntropyDecoder {
    /// The value c in [0, 2^precision) that names the next interval (find its slot with the model).
    mutating func peek(precision: Int) -> UInt32
    /// Removes the interval [cumulative, cumulative + frequency) that contains the value `peek` returned.
    mutating func consume(cumulative: UInt32, frequency: UInt32, precision: Int)
}

// MARK: - Slots and raw bits

extension EntropyEncoder {
    /// Codes `slot` of `model`.
    public mutating func encode<Model: SymbolModel>(slot: Int, of model: Model) {
        encode(cumulative: model.cumulative(ofSlot: slot), frequency: model.frequency(ofSlot: slot),
               precision: model.precision)
    }

    /// Codes the `count` low bits of `bits` as equiprobable bits (exactly `count` bits of
    /// information), 1 <= count <= 16.
    public mutating func encode(bits: UInt32, count: Int) {
        precondition((1...16).contains(count) && bits >> UInt32(count) == 0,
                     "encode(bits: \(bits), count: \(count)): count must be 1...16 and bits fit in it")
        encode(cumulative: bits, frequency: 1, precision: count)
    }
}

extension EntropyDecoder {
    /// Decodes one slot of `model`.
    public mutating func decodeSlot<Model: SymbolModel>(of model: Model) -> Int {
        let c = peek(precision: model.precision)
        let slot = model.slot(forCumulative: c)
        consume(cumulative: model.cumulative(ofSlot: slot), frequency: model.frequency(ofSlot: slot),
                precision: model.precision)
        return slot
    }

    /// Decodes `count` equiprobable bits (1 <= count <= 16).
    public mutating func decodeBits(count: Int) -> UInt32 {
        precondition((1...16).contains(count), "decodeBits(count: \(count)): count must be 1...16")
        let bits = peek(precision: count)
        consume(cumulative: bits, frequency: 1, precision: count)
        return bits
    }
}
