/// Values outside a `FrequencyTable`'s range: the ESCAPE slot followed by an Elias-gamma code of
/// the value's zig-zagged distance from the range, coded as equiprobable bits through the same
/// entropy coder. Any Int32 value round-trips.
///
///     above the range (v >= offset + count):  u = 2 (v - offset - count)
///     below the range (v < offset):           u = 2 (offset - 1 - v) + 1
///     Elias-gamma of w = u + 1 (bit width b): b - 1 zeros, a one, then the b - 1 low bits of w
///
/// so the escape of a value at distance d costs -log2 P(escape) + 2 floor(log2(2d + 1..2)) + 1
/// bits: 1 bit just outside the range, 2 log2 d + O(1) far away, at most 67 for any Int32.

/// The Elias-gamma code of one escaped value.
public struct EscapeCode: Equatable, Sendable {
    /// b - 1: the number of leading zeros, and of the low bits that follow the one.
    public let exponent: Int
    /// The b - 1 low bits of w = u + 1.
    public let mantissa: UInt64
    /// Bits the code takes: 2 (b - 1) + 1.
    public var bitCount: Int { 2 * exponent + 1 }

    /// Largest exponent a decoder accepts (an Int32 value needs at most 33).
    static let maximumExponent = 40
}

extension FrequencyTable {
    /// The escape code of `value`, which must lie outside `symbols`.
    public func escapeCode(for value: Int32) -> EscapeCode {
        let v = Int64(value), low = Int64(offset), end = Int64(offset + count)
        precondition(v < low || v >= end, "escapeCode(for: \(value)): \(value) is inside the table's range")
        let u: UInt64 = v >= end ? UInt64(v - end) << 1 : (UInt64(low - 1 - v) << 1) | 1
        let w = u + 1
        let exponent = 63 - w.leadingZeroBitCount
        return EscapeCode(exponent: exponent, mantissa: w & ((UInt64(1) << UInt64(exponent)) - 1))
    }

    /// The value whose escape code is `code`, or nil when that value is not an Int32 outside `symbols`.
    public func value(forEscape code: EscapeCode) -> Int32? {
        guard code.exponent <= EscapeCode.maximumExponent else { return nil }
        let u = ((UInt64(1) << UInt64(code.exponent)) | code.mantissa) - 1
        let distance = Int64(u >> 1)
        let v = u & 1 == 0 ? Int64(offset + count) + distance : Int64(offset) - 1 - distance
        guard v >= Int64(Int32.min), v <= Int64(Int32.max) else { return nil }
        return Int32(v)
    }

    /// The intervals that code the escaped `value`, in decoding order: the escape slot, the
    /// exponent in unary (zeros then a one, one bit each), the mantissa in chunks of <= 16 bits,
    /// most significant first.
    func escapeIntervals(for value: Int32) -> [(cumulative: UInt32, frequency: UInt32, precision: Int)] {
        let code = escapeCode(for: value)
        var steps: [(cumulative: UInt32, frequency: UInt32, precision: Int)] = []
        steps.reserveCapacity(2 * code.exponent + 4)
        steps.append((cumulative(ofSlot: escapeSlot), frequencies[escapeSlot], precision))
        for _ in 0..<code.exponent { steps.append((0, 1, 1)) }
        steps.append((1, 1, 1))
        var remaining = code.exponent
        while remaining > 0 {
            let chunk = min(16, remaining)
            remaining -= chunk
            let bits = UInt32((code.mantissa >> UInt64(remaining)) & ((1 << UInt64(chunk)) - 1))
            steps.append((bits, 1, chunk))
        }
        return steps
    }
}

// MARK: - Coding values with a table

extension EntropyEncoder {
    /// Codes the Int32 `value` with `table`: its slot, or the escape slot and the escape code.
    /// (A last-in first-out coder gets the escape's intervals in reverse, so that its decoder
    /// reads them in order.)
    public mutating func encode(_ value: Int32, with table: FrequencyTable) {
        if let s = table.slot(of: value) {
            encode(cumulative: table.cumulative(ofSlot: s), frequency: table.frequencies[s], precision: table.precision)
            return
        }
        let steps = table.escapeIntervals(for: value)
        if Self.isLastInFirstOut {
            for step in steps.reversed() { encode(cumulative: step.cumulative, frequency: step.frequency, precision: step.precision) }
        } else {
            for step in steps { encode(cumulative: step.cumulative, frequency: step.frequency, precision: step.precision) }
        }
    }
}

extension EntropyDecoder {
    /// Decodes one Int32 value coded with `table` by `encode(_:with:)`.
    /// - Throws: `RDACodingError.invalidStream` when an escape code is malformed (a damaged
    ///   stream or another model's tables); never loops more than a fixed number of steps.
    public mutating func decode(with table: FrequencyTable) throws -> Int32 {
        let s = decodeSlot(of: table)
        if s != table.escapeSlot { return Int32(table.offset + s) }
        var exponent = 0
        while decodeBits(count: 1) == 0 {
            exponent += 1
            if exponent > EscapeCode.maximumExponent {
                throw RDACodingError(.invalidStream, "invalid escape code (more than \(EscapeCode.maximumExponent) leading zeros): the data is damaged or was coded with another model")
            }
        }
        var mantissa: UInt64 = 0
        var remaining = exponent
        while remaining > 0 {
            let chunk = min(16, remaining)
            remaining -= chunk
            mantissa = (mantissa << UInt64(chunk)) | UInt64(decodeBits(count: chunk))
        }
        guard let value = table.value(forEscape: EscapeCode(exponent: exponent, mantissa: mantissa)) else {
            throw RDACodingError(.invalidStream, "invalid escape code (the value is not an Int32): the data is damaged or was coded with another model")
        }
        return value
    }
}
