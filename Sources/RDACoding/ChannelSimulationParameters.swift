import Foundation

/// What a channel-simulated file stores beside its records (`CompressedFile.parameters`), and
/// how a record codes its examples' block indices.
///
/// ## The index code
/// Index K (1...N, N = 2^n) is sent as its exponent e = floor(log2 K) in 0...n, range coded with
/// a table per block (`tables`: the file's own exponent frequencies, quantized to 2^12), then its
/// e mantissa bits K - 2^e as equiprobable bits: an Elias-gamma code whose unary part is replaced
/// by the exponent law the file measured. Under the PFR the exponent concentrates near the
/// block's KL, so this costs about KL + H(exponent) - (what the law's width saves) bits.
///
/// ## Layout (all integers LEB128 unless said)
///
///     1 byte   layout version, 1
///     1 byte   block bits B (1...20)
///     1 byte   candidate bits n (B...24)
///     8 bytes  seed, little-endian
///     varint   K, latent dimensions (1...2^16)
///     varint*K mean KL per dimension (1/256 bits, <= 65535)
///     varint*K log2(1 / typical posterior variance) per dimension (1/256 bits, <= 65535)
///     for each block of the plan the numbers give: n + 2 frequencies (exponents 0...n, then
///              the escape slot), each >= 1, summing to 2^12
public struct ChannelSimulationParameters: Equatable, Sendable {
    /// The layout's version byte.
    public static let layoutVersion: UInt8 = 1
    /// log2 of the total of each exponent table.
    public static let tablePrecision = 12
    /// Most latent dimensions a file may declare.
    public static let maximumDimensions = 1 << 16

    /// The plan both sides derive from the stored numbers.
    public let plan: ChannelSimulationPlan
    /// Per block: the law of the index exponent (slots 0...candidateBits, then an unused escape).
    public let tables: [FrequencyTable]

    /// Parameters with exponent tables fitted to `examples` (what the encoder chose).
    public init(plan: ChannelSimulationPlan, examples: [ChannelSimulation.Example]) {
        self.plan = plan
        tables = plan.blocks.indices.map { b in Self.exponentTable(indices: examples.map { $0.blocks[b].index }, candidateBits: plan.candidateBits) }
    }

    /// The law of the exponents floor(log2 K) of `indices` (slots 0...candidateBits, then an
    /// escape slot no encoder uses: the quantizer gives it the least frequency, 1).
    public static func exponentTable(indices: [Int], candidateBits n: Int) -> FrequencyTable {
        var counts = [Double](repeating: 0, count: n + 1)
        for k in indices { counts[exponent(k)] += 1 }
        let total = Swift.max(counts.reduce(0, +), 1)
        return FrequencyTable(probabilities: counts.map { $0 / total }, offset: 0, precision: tablePrecision)
    }

    /// Appends index K (1...N) to `coder`: its exponent e = floor(log2 K) under `table`, then
    /// the e mantissa bits K - 2^e, most significant chunk first, 16 bits at a time.
    public static func encode(index: Int, table: FrequencyTable, into coder: inout RangeEncoder) {
        let x = exponent(index)
        coder.encode(slot: x, of: table)
        let rest = index - (1 << x)
        var bits = x
        while bits > 0 {
            let c = Swift.min(bits, 16)
            bits -= c
            coder.encode(bits: UInt32((rest >> bits) & ((1 << c) - 1)), count: c)
        }
    }

    /// Reads an index written by `encode(index:table:into:)`; `invalidStream` for an exponent
    /// past `candidateBits` (the escape slot, which no encoder writes). `block` names it in the error.
    public static func decodeIndex(table: FrequencyTable, candidateBits: Int, block: Int, from coder: inout RangeDecoder) throws -> Int {
        let x = coder.decodeSlot(of: table)
        guard x <= candidateBits else {
            throw RDACodingError(.invalidStream, "block \(block + 1) names no candidate (escape slot); the record is damaged")
        }
        var k = 1, bits = x
        while bits > 0 {
            let c = Swift.min(bits, 16)
            bits -= c
            k = (k << c) | Int(coder.decodeBits(count: c))
        }
        return k
    }

    /// floor(log2 K) for K >= 1.
    static func exponent(_ k: Int) -> Int { Int.bitWidth - 1 - k.leadingZeroBitCount }

    /// The stored bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = [Self.layoutVersion, UInt8(plan.blockBits), UInt8(plan.candidateBits)]
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: plan.seed >> UInt64(8 * i))) }
        LEB128.append(UInt64(plan.dimensions), to: &out)
        for v in plan.meanKL { LEB128.append(UInt64(v), to: &out) }
        for v in plan.precisionBits { LEB128.append(UInt64(v), to: &out) }
        for t in tables { for f in t.frequencies { LEB128.append(UInt64(f), to: &out) } }
        return out
    }

    /// Reads stored parameters, validating every number before using it; one-line
    /// `RDACodingError`s (`invalidHeader`, `invalidTable`, `truncated`, `trailingData`).
    public init(bytes: [UInt8]) throws {
        func bad(_ what: String) -> RDACodingError {
            RDACodingError(.invalidHeader, "channel-simulation parameters: \(what); the file is damaged")
        }
        guard bytes.count >= 11 else { throw RDACodingError(.truncated, "channel-simulation parameters: \(bytes.count) bytes, fewer than the 11 of their fixed part; the file is damaged") }
        guard bytes[0] == Self.layoutVersion else { throw bad("layout version \(bytes[0]) (this rda reads \(Self.layoutVersion))") }
        var at = 11
        func next(_ limit: UInt64, _ what: String) throws -> UInt64 {
            switch LEB128.read(bytes, at: at) {
            case .value(let v, let n):
                guard v <= limit else { throw bad("\(what) \(v) is over \(limit)") }
                at = n
                return v
            case .truncated: throw RDACodingError(.truncated, "channel-simulation parameters end inside the \(what); the file is damaged")
            case .malformed: throw bad("the \(what) is not a valid varint")
            }
        }
        var seed: UInt64 = 0
        for i in 0..<8 { seed |= UInt64(bytes[3 + i]) << UInt64(8 * i) }
        let k = Int(try next(UInt64(Self.maximumDimensions), "dimension count"))
        guard k >= 1 else { throw bad("no latent dimensions") }
        // each stored number takes at least one byte: refuse a count the bytes cannot hold
        guard bytes.count - at >= 2 * k else { throw RDACodingError(.truncated, "channel-simulation parameters declare \(k) dimensions but hold \(bytes.count - at) bytes for them; the file is damaged") }
        var kl: [UInt16] = [], precision: [UInt16] = []
        for _ in 0..<k { kl.append(UInt16(try next(65535, "mean KL"))) }
        for _ in 0..<k { precision.append(UInt16(try next(65535, "posterior precision"))) }
        let plan: ChannelSimulationPlan
        do {
            plan = try ChannelSimulationPlan(blockBits: Int(bytes[1]), candidateBits: Int(bytes[2]), seed: seed, meanKL: kl, precisionBits: precision)
        } catch let e as RDACodingError { throw bad(e.message) }
        let slots = plan.candidateBits + 2
        guard bytes.count - at >= plan.blocks.count * slots else {
            throw RDACodingError(.truncated, "channel-simulation parameters hold \(bytes.count - at) bytes for \(plan.blocks.count) index tables; the file is damaged")
        }
        var tables: [FrequencyTable] = []
        for _ in plan.blocks {
            var f: [UInt32] = []
            for _ in 0..<slots { f.append(UInt32(try next(UInt64(1) << UInt64(Self.tablePrecision), "index frequency"))) }
            tables.append(try FrequencyTable(frequencies: f, offset: 0, precision: Self.tablePrecision))
        }
        guard at == bytes.count else { throw RDACodingError(.trailingData, "channel-simulation parameters have \(bytes.count - at) bytes after their end; the file is damaged") }
        self.plan = plan
        self.tables = tables
    }

    /// One record: the block indices of `examples`, example after example, block after block.
    public func encode(_ examples: [ChannelSimulation.Example]) -> [UInt8] {
        var coder = RangeEncoder()
        for e in examples {
            for (b, block) in e.blocks.enumerated() { Self.encode(index: block.index, table: tables[b], into: &coder) }
        }
        return coder.finish()
    }

    /// The block indices of `count` examples of one record (`invalidStream` on indices no
    /// encoder writes: an exponent slot past the candidate bound).
    public func decode(_ record: [UInt8], count: Int) throws -> [[Int]] {
        var coder = RangeDecoder(bytes: record)
        var out: [[Int]] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            out.append(try plan.blocks.indices.map { b in
                try Self.decodeIndex(table: tables[b], candidateBits: plan.candidateBits, block: b, from: &coder)
            })
        }
        if coder.hasUnreadBytes { throw RDACodingError(.invalidStream, "the record holds bytes after its last index; the file is damaged") }
        return out
    }
}
