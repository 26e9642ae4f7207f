/// Whole messages: one symbol per latent dimension, symbol k coded with table k.
///
/// These are the payloads of the .rdac records (range coder). The ANS versions exist for
/// comparison and for bits-back coding; their output is not interchangeable with the range
/// coder's.

extension RangeEncoder {
    /// The range-coded bytes of `symbols`, symbol k coded with `tables[k]` (same counts).
    ///
    /// Overhead, bytes * 8 - sum_k codeLength(symbol k): at most 8 bits (the minimal
    /// termination; see `RangeEncoder`), measured mean +2.6 bits on 32-symbol messages of
    /// 20-129 ideal bits (rANS: +15.7).
    public static func encode(symbols: [Int32], tables: [FrequencyTable]) -> [UInt8] {
        precondition(symbols.count == tables.count, "encode: \(symbols.count) symbols but \(tables.count) tables")
        var encoder = RangeEncoder()
        for k in symbols.indices { encoder.encode(symbols[k], with: tables[k]) }
        return encoder.finish()
    }
}

extension RangeDecoder {
    /// Decodes `tables.count` symbols from `bytes` written by `RangeEncoder.encode(symbols:tables:)`.
    /// - Throws: `RDACodingError.invalidStream` when the bytes cannot come from these tables
    ///   (a malformed escape, or bytes left that no symbol needed). Damaged bytes may also decode
    ///   to wrong symbols without an error: the file's checksum is there for that.
    public static func decode(bytes: [UInt8], tables: [FrequencyTable]) throws -> [Int32] {
        var decoder = RangeDecoder(bytes: bytes)
        var symbols = [Int32]()
        symbols.reserveCapacity(tables.count)
        for table in tables { symbols.append(try decoder.decode(with: table)) }
        if decoder.hasUnreadBytes {
            throw RDACodingError(.invalidStream, "coded message of \(bytes.count) bytes is longer than its \(tables.count) symbols need: the data is damaged or was coded with another model")
        }
        return symbols
    }
}

extension ANSCoder {
    /// The rANS bytes of `symbols`, symbol k coded with `tables[k]` (pushed last to first, so
    /// that `decode` pops them first to last).
    public static func encode(symbols: [Int32], tables: [FrequencyTable]) -> [UInt8] {
        precondition(symbols.count == tables.count, "encode: \(symbols.count) symbols but \(tables.count) tables")
        var coder = ANSCoder()
        for k in symbols.indices.reversed() { coder.encode(symbols[k], with: tables[k]) }
        return coder.bytes
    }

    /// Decodes `tables.count` symbols from `bytes` written by `ANSCoder.encode(symbols:tables:)`.
    /// - Throws: `RDACodingError.invalidStream` when the bytes cannot come from these tables.
    public static func decode(bytes: [UInt8], tables: [FrequencyTable]) throws -> [Int32] {
        var coder = ANSCoder(bytes: bytes)
        var symbols = [Int32]()
        symbols.reserveCapacity(tables.count)
        for table in tables { symbols.append(try coder.decode(with: table)) }
        if !coder.isEmpty {
            throw RDACodingError(.invalidStream, "coded message of \(bytes.count) bytes does not end where its \(tables.count) symbols do: the data is damaged or was coded with another model")
        }
        return symbols
    }
}

/// The ideal code length of a message in bits: sum_k tables[k].codeLength(of: symbols[k]).
public func idealBits(symbols: [Int32], tables: [FrequencyTable]) -> Double {
    precondition(symbols.count == tables.count, "idealBits: \(symbols.count) symbols but \(tables.count) tables")
    var bits = 0.0
    for k in symbols.indices { bits += tables[k].codeLength(of: symbols[k]) }
    return bits
}
