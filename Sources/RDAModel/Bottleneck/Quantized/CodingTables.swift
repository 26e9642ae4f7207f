import Foundation
import RDACoding
import RDACore

/// The quantized channel's discrete prior as integer frequency tables, one per latent dimension:
/// what the entropy coder, `rda decompress` and `rda sample` use.
///
/// Built once from the float prior when training ends (and with every checkpoint written):
/// dimension k covers the integers lo_k ... hi_k with
///
///     lo_k = floor(F_k^-1(tail)),  hi_k = ceil(F_k^-1(1 - tail)),   tail = 1e-6   (at most 4,096 symbols),
///     P_k(j) = F_k(j + 1/2) - F_k(j - 1/2)   (the mixture's mass over [j - 1/2, j + 1/2]),
///
/// quantized to 16-bit integer frequencies with an escape slot for every other value
/// (`FrequencyTable`). Stored in the model file as int32 tensors (`prior.table_offsets` [K],
/// `prior.table_slots` [K], `prior.table_frequencies` [K, L] padded with zeros,
/// `prior.table_precision` [1]) and read back validated; coding never recomputes them, so a
/// file's symbols decode identically on any machine, thread count and GEMM backend.
public struct CodingTables: Equatable, Sendable {
    /// Bits of precision of the integer frequencies (they sum to 2^precision).
    public static let precision = 16
    /// Probability mass left to the escape code beyond each table's range.
    public static let tailMass = 1e-6
    /// The most symbols one table may hold.
    public static let maximumSymbols = 4096

    /// One table per latent dimension.
    public let tables: [FrequencyTable]
    /// The same tables in the coder's mode-first order (`FrequencyTable.modeFirst`): what
    /// version-2 `.rdac` records are coded with.
    public private(set) var modeFirst: [FrequencyTable] = []

    /// Tables as given (one per latent dimension).
    public init(tables: [FrequencyTable]) { self.tables = tables; modeFirst = tables.map(\.modeFirst) }

    /// Each table repeated `positions` times in place: a latent channel's table for each of its
    /// positions (the tables of a latent map, one per flattened entry). `positions` 1: `self`.
    public func repeatingEach(_ positions: Int) -> CodingTables {
        positions == 1 ? self : CodingTables(tables: tables.flatMap { [FrequencyTable](repeating: $0, count: positions) })
    }

    /// Tables from the float prior (parameters [K, M]).
    init(logits: Tensor, loc: Tensor, logScale: Tensor) {
        let k = logits.shape[0], m = logits.shape[1]
        let lg = logits.values, lc = loc.values, ls = logScale.values
        tables = (0..<k).map { j in
            let w = Array(lg[(j * m)..<((j + 1) * m)]), l = Array(lc[(j * m)..<((j + 1) * m)]), s = Array(ls[(j * m)..<((j + 1) * m)])
            let cdf = { (t: Double) in LogisticMixturePrior.cdf(t, logits: w, loc: l, logScale: s) }
            var lo = Int(Foundation.floor(Self.quantile(CodingTables.tailMass, cdf: cdf)))
            var hi = Int(Foundation.ceil(Self.quantile(1 - CodingTables.tailMass, cdf: cdf)))
            if hi - lo + 1 > Self.maximumSymbols {   // a very wide prior: keep the central symbols, escape the rest
                let mid = Int(Foundation.floor(Self.quantile(0.5, cdf: cdf)))
                lo = mid - Self.maximumSymbols / 2; hi = lo + Self.maximumSymbols - 1
            }
            let probabilities = (lo...hi).map { LogisticMixturePrior.mass(Double($0), logits: w, loc: l, logScale: s) }
            return FrequencyTable(probabilities: probabilities, offset: lo, precision: Self.precision)
        }
        modeFirst = tables.map(\.modeFirst)
    }

    /// The t with cdf(t) = p, by bisection (the CDF is increasing).
    static func quantile(_ p: Double, cdf: (Double) -> Double) -> Double {
        var lo = -1.0, hi = 1.0
        while cdf(lo) > p && lo > -2e9 { lo *= 2 }
        while cdf(hi) < p && hi < 2e9 { hi *= 2 }
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if cdf(mid) < p { lo = mid } else { hi = mid }
        }
        return Swift.min(Swift.max((lo + hi) / 2, -1e9), 1e9)
    }

    // MARK: Storage

    /// The int32 tensors of the model file (names without the `prior.` prefix).
    var namedTensors: [(name: String, shape: [Int], values: [Int32])] {
        let k = tables.count, width = tables.map(\.slotCount).max() ?? 0
        var frequencies = [Int32](repeating: 0, count: k * width)
        for (j, t) in tables.enumerated() {
            for (s, f) in t.frequencies.enumerated() { frequencies[j * width + s] = Int32(f) }
        }
        return [
            (name: "table_frequencies", shape: [k, width], values: frequencies),
            (name: "table_offsets", shape: [k], values: tables.map { Int32($0.offset) }),
            (name: "table_precision", shape: [1], values: [Int32(tables.first?.precision ?? Self.precision)]),
            (name: "table_slots", shape: [k], values: tables.map { Int32($0.slotCount) }),
        ]
    }

    /// Tables read back from a model file's tensors, every one validated.
    init(latentDim k: Int, _ lookup: (String) -> (shape: [Int], values: [Int32])?) throws {
        func tensor(_ name: String) throws -> (shape: [Int], values: [Int32]) {
            guard let t = lookup(name) else {
                throw RDAError("the quantized model lacks its coding table tensor 'prior.\(name)'; the file is incomplete")
            }
            return t
        }
        let freqs = try tensor("table_frequencies"), offsets = try tensor("table_offsets")
        let slots = try tensor("table_slots"), precision = try tensor("table_precision")
        guard freqs.shape.count == 2, freqs.shape[0] == k, offsets.shape == [k], slots.shape == [k], precision.shape == [1] else {
            throw RDAError("the quantized model's coding tables have shapes \(freqs.shape), \(offsets.shape), \(slots.shape), \(precision.shape) but \(k) latent dimensions need [\(k), L], [\(k)], [\(k)], [1]")
        }
        let width = freqs.shape[1]
        var tables: [FrequencyTable] = []
        for j in 0..<k {
            let n = Int(slots.values[j])
            guard n >= 2, n <= width else {
                throw RDAError("the quantized model's coding table \(j) claims \(n) slots (its row holds \(width)); the file is damaged")
            }
            let row = freqs.values[(j * width)..<(j * width + n)]
            guard row.allSatisfy({ $0 > 0 }), freqs.values[(j * width + n)..<((j + 1) * width)].allSatisfy({ $0 == 0 }) else {
                throw RDAError("the quantized model's coding table \(j) has a non-positive frequency or padding that is not zero; the file is damaged")
            }
            do {
                tables.append(try FrequencyTable(frequencies: row.map { UInt32($0) }, offset: Int(offsets.values[j]), precision: Int(precision.values[0])))
            } catch {
                throw RDAError("the quantized model's coding table \(j) is invalid: \(error)")
            }
        }
        self.tables = tables
        modeFirst = tables.map(\.modeFirst)
    }

    // MARK: Coding

    /// -log2 P(symbols) under the integer tables, in bits (escapes included).
    public func codeLength(_ symbols: [Int32]) -> Double { idealBits(symbols: symbols, tables: tables) }

    /// The range-coded payload of one example's K symbols, as a `.rdac` record of the current
    /// format version (mode-first order; `RangeEncoder.significantBits(of:)` bits long).
    public func encode(_ symbols: [Int32]) -> [UInt8] { encode(rows: [symbols]) }

    /// One payload coding several examples' K symbols, example after example, in one range-coder
    /// message (a `.rdac` record of `rows.count` examples): the termination is paid once.
    public func encode(rows: [[Int32]]) -> [UInt8] {
        var encoder = RangeEncoder()
        for row in rows {
            precondition(row.count == modeFirst.count, "encode: \(row.count) symbols but \(modeFirst.count) tables")
            for k in row.indices { encoder.encode(row[k], with: modeFirst[k]) }
        }
        return encoder.finish()
    }

    /// The K symbols of one payload of a `.rdac` file of format `version` (1: stored order,
    /// 2: mode-first order), or a thrown `RDACodingError`.
    public func decode(_ payload: [UInt8], version: UInt8 = CompressedFile.currentVersion) throws -> [Int32] {
        try decode(payload, rows: 1, version: version)[0]
    }

    /// The `rows` examples' symbols of one payload written by `encode(rows:)` (or, version 1,
    /// one example in the stored order).
    /// - Throws: `RDACodingError.invalidStream` when the payload cannot come from these tables.
    public func decode(_ payload: [UInt8], rows: Int, version: UInt8 = CompressedFile.currentVersion) throws -> [[Int32]] {
        let order = version == 1 ? tables : modeFirst
        var decoder = RangeDecoder(bytes: payload)
        var out: [[Int32]] = []
        out.reserveCapacity(rows)
        for _ in 0..<rows {
            var row = [Int32]()
            row.reserveCapacity(order.count)
            for table in order { row.append(try decoder.decode(with: table)) }
            out.append(row)
        }
        if decoder.hasUnreadBytes {
            throw RDACodingError(.invalidStream, "coded record of \(payload.count) bytes is longer than its \(rows) example(s) need: the data is damaged or was coded with another model")
        }
        return out
    }

    /// A symbol of dimension k drawn from its table with `rng` (integer arithmetic only). A draw
    /// of the escape slot (probability at most a few 2^-16) gives the symbol just above the range.
    public func sample<G: RandomNumberGenerator>(dimension k: Int, using rng: inout G) -> Int32 {
        let t = tables[k]
        let c = UInt32(truncatingIfNeeded: rng.next() >> UInt64(64 - t.precision))
        return t.symbol(forCumulative: c) ?? Int32(clamping: t.offset + t.count)
    }
}
