import Foundation

/// The integer probability table of one latent dimension: the discrete prior P_k that the
/// encoder and the decoder of a compressed file share.
///
/// A table covers the `count` consecutive symbols offset, offset + 1, ..., offset + count - 1
/// (slots 0..<count) and one ESCAPE slot (slot `count`, the last) for every other Int32 value.
/// Slot s has the integer probability frequencies[s] / 2^precision; the frequencies sum to
/// exactly 2^precision and each is >= 1, so every Int32 value can be coded:
///
///     value in range:      the slot (value - offset)
///     value out of range:  the ESCAPE slot, then the value's escape code (see `escapeCode`)
///
/// Tables are built once from float probabilities (`init(probabilities:offset:precision:)`, at
/// the end of training), stored as integers, and read back with the validating
/// `init(frequencies:offset:precision:)`. Coding and decoding use only the stored integers.
public struct FrequencyTable: SymbolModel, Equatable, Sendable {
    /// Most in-range symbols a table may have.
    public static let maximumCount = 1 << 16
    /// Precisions a table may have (log2 of its total). A table of n in-range symbols needs
    /// 2^precision >= n + 1 (the escape slot).
    public static let precisions = 8...maximumCodingPrecision

    /// Frequency of each slot: `count` in-range symbols, then the escape slot. Sum 2^precision.
    public let frequencies: [UInt32]
    /// cumulative[s] = frequencies[0] + ... + frequencies[s - 1]; slotCount + 1 entries,
    /// from 0 to 2^precision.
    public let cumulative: [UInt32]
    /// The first in-range symbol.
    public let offset: Int
    /// log2 of the total of the frequencies.
    public let precision: Int
    /// Where the coder's interval order starts: slot s owns
    /// [(cumulative[s] - rotation) mod 2^precision, + frequencies[s]) (see `modeFirst`). 0 for
    /// the tables as stored, which `rda sample` and version-1 files use.
    public let rotation: UInt32

    /// Number of in-range symbols (the escape slot not counted).
    public var count: Int { frequencies.count - 1 }
    /// The in-range symbols, offset..<offset + count.
    public var symbols: Range<Int> { offset..<(offset + count) }
    /// The escape slot's index (the last slot).
    public var escapeSlot: Int { count }
    public var slotCount: Int { frequencies.count }

    // MARK: Stored tables

    /// A stored table, validated: the model loader calls this on untrusted files.
    ///
    /// - Parameter frequencies: `count + 1` frequencies, the in-range symbols offset... in order,
    ///   then the escape slot; each >= 1, summing to exactly 2^precision.
    /// - Throws: `RDACodingError.invalidTable` naming what is wrong.
    public init(frequencies: [UInt32], offset: Int, precision: Int) throws {
        func invalid(_ problem: String) -> RDACodingError {
            RDACodingError(.invalidTable, "invalid frequency table: \(problem); the model file is damaged, train or export the model again")
        }
        guard Self.precisions.contains(precision) else {
            throw invalid("precision \(precision) is outside \(Self.precisions.lowerBound)...\(Self.precisions.upperBound)")
        }
        guard frequencies.count >= 1 else {
            throw invalid("no frequencies (at least the escape slot is needed)")
        }
        guard frequencies.count - 1 <= Self.maximumCount else {
            throw invalid("\(frequencies.count - 1) symbols (at most \(Self.maximumCount))")
        }
        guard offset >= Int(Int32.min), offset + frequencies.count - 1 <= Int(Int32.max) + 1 else {
            throw invalid("symbols \(offset)..<\(offset + frequencies.count - 1) are not all Int32 values")
        }
        if let bad = frequencies.firstIndex(of: 0) {
            throw invalid("slot \(bad) has frequency 0 (every slot needs >= 1)")
        }
        var total: UInt64 = 0
        for f in frequencies { total += UInt64(f) }
        guard total == UInt64(1) << UInt64(precision) else {
            throw invalid("frequencies sum to \(total), not 2^\(precision) = \(1 << precision)")
        }
        self.init(validFrequencies: frequencies, offset: offset, precision: precision)
    }

    private init(validFrequencies frequencies: [UInt32], offset: Int, precision: Int) {
        var cumulative = [UInt32](repeating: 0, count: frequencies.count + 1)
        for (s, f) in frequencies.enumerated() { cumulative[s + 1] = cumulative[s] + f }
        self.frequencies = frequencies
        self.cumulative = cumulative
        self.offset = offset
        self.precision = precision
        self.rotation = 0
    }

    private init(_ table: FrequencyTable, rotation: UInt32) {
        self.frequencies = table.frequencies
        self.cumulative = table.cumulative
        self.offset = table.offset
        self.precision = table.precision
        self.rotation = rotation
    }

    /// The same probabilities with the coder's interval order rotated so that the most probable
    /// slot (the lowest one on ties) starts at 0: slot s owns [(cumulative[s] - c_mode) mod 2^p,
    /// + f_s). Code lengths are unchanged; what changes is where a message's final interval lies.
    /// A message of modes then has the interval [0, P): the range coder's minimal termination
    /// ends it on the value 0, i.e. 0 bits. At rates of a few bits per message (most messages
    /// all modes) this removes the termination's last bits; at high rates it makes no difference.
    /// Version-2 `.rdac` payloads are coded with these tables.
    public var modeFirst: FrequencyTable {
        var mode = 0
        for s in 0..<count where frequencies[s] > frequencies[mode] { mode = s }
        return FrequencyTable(self, rotation: count == 0 ? 0 : cumulative[mode])
    }

    // MARK: Quantizing probabilities

    /// The integer table closest to `probabilities` in expected code length.
    ///
    /// - Parameters:
    ///   - probabilities: P(offset), P(offset + 1), ..., P(offset + n - 1); finite, >= 0. They need
    ///     not sum to 1: the missing mass 1 - sum (the tail) goes to the escape slot. (If they sum
    ///     to more than 1 they are read as relative weights and the escape gets the minimum.)
    ///   - precision: log2 of the total; 2^precision >= n + 1.
    ///
    /// The frequencies f_s >= 1 with sum f_s = T = 2^precision maximise sum_s w_s log2 f_s, i.e.
    /// minimise the expected code length -sum_s w_s log2(f_s / T) under the weights w (the
    /// probabilities and the tail). The objective is separable and concave in the f_s, so a
    /// greedy unit-by-unit allocation from floor(w_s T) followed by single-unit moves until no
    /// move gains (both by a priority queue) reaches the optimum. The float arithmetic here runs
    /// once, when the table is made; coding never repeats it.
    public init(probabilities: [Double], offset: Int, precision: Int = 16) {
        precondition(Self.precisions.contains(precision),
                     "FrequencyTable: precision \(precision) outside \(Self.precisions)")
        precondition(probabilities.count <= Self.maximumCount && probabilities.count + 1 <= 1 << precision,
                     "FrequencyTable: \(probabilities.count) symbols + escape do not fit precision \(precision)")
        precondition(offset >= Int(Int32.min) && offset + probabilities.count <= Int(Int32.max) + 1,
                     "FrequencyTable: symbols \(offset)..<\(offset + probabilities.count) are not all Int32")
        if let bad = probabilities.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            preconditionFailure("FrequencyTable: probability \(probabilities[bad]) of symbol \(offset + bad) is not finite and >= 0")
        }
        let sum = probabilities.reduce(0, +)
        var weights = probabilities + [max(0, 1 - sum)]
        if weights.allSatisfy({ $0 == 0 }) { weights = [Double](repeating: 1, count: weights.count) }
        let frequencies = Self.quantize(weights: weights, total: 1 << precision)
        self.init(validFrequencies: frequencies, offset: offset, precision: precision)
    }

    /// Optimal integer frequencies (see `init(probabilities:offset:precision:)`); weights >= 0, not all 0.
    static func quantize(weights: [Double], total: Int) -> [UInt32] {
        let n = weights.count
        let weightSum = weights.reduce(0, +)
        var f = weights.map { max(1, Int((($0 / weightSum) * Double(total)).rounded(.down))) }
        var sum = f.reduce(0, +)
        // Gain of one more unit in slot s; loss of one unit less (infinite at 1).
        func gain(_ s: Int) -> Double { weights[s] * log2(Double(f[s] + 1) / Double(f[s])) }
        func loss(_ s: Int) -> Double { f[s] <= 1 ? .infinity : weights[s] * log2(Double(f[s]) / Double(f[s] - 1)) }
        // Max-heap of gains and min-heap of losses; entries go stale when f[s] changes
        // (checked by the stored f), and every change pushes fresh ones.
        var gains = Heap<Entry>(); var losses = Heap<Entry>()
        for s in 0..<n {
            gains.push(Entry(key: gain(s), slot: s, frequency: f[s]))
            losses.push(Entry(key: -loss(s), slot: s, frequency: f[s]))
        }
        func best(_ heap: inout Heap<Entry>) -> Int? {
            while let top = heap.top {
                if f[top.slot] == top.frequency { return top.slot }
                heap.pop()
            }
            return nil
        }
        func change(_ s: Int, by delta: Int) {
            f[s] += delta
            sum += delta
            gains.push(Entry(key: gain(s), slot: s, frequency: f[s]))
            losses.push(Entry(key: -loss(s), slot: s, frequency: f[s]))
        }
        while sum < total, let s = best(&gains) { change(s, by: 1) }
        while sum > total, let s = best(&losses) { change(s, by: -1) }
        // Single-unit moves from the cheapest slot to the most profitable one while they gain.
        for _ in 0..<(2 * n + 16) {
            guard let up = best(&gains), let down = best(&losses), up != down else { break }
            let g = gain(up), l = loss(down)
            guard l.isFinite, g > l * (1 + 1e-12) + 1e-300 else { break }
            change(up, by: 1)
            change(down, by: -1)
        }
        precondition(sum == total && f.allSatisfy { $0 >= 1 }, "FrequencyTable.quantize: internal error")
        return f.map { UInt32($0) }
    }

    struct Entry: Comparable {
        var key: Double
        var slot: Int
        var frequency: Int
        static func < (a: Entry, b: Entry) -> Bool { a.key < b.key || (a.key == b.key && a.slot > b.slot) }
    }

    // MARK: SymbolModel

    @inline(__always)
    public func frequency(ofSlot slot: Int) -> UInt32 { frequencies[slot] }

    @inline(__always)
    public func cumulative(ofSlot slot: Int) -> UInt32 {
        (cumulative[slot] &- rotation) & ((1 << UInt32(precision)) - 1)
    }

    /// Binary search: the slot that owns c < 2^precision in the coder's order, i.e. the last
    /// slot s with cumulative[s] <= (c + rotation) mod 2^precision.
    public func slot(forCumulative coded: UInt32) -> Int {
        let c = (coded &+ rotation) & ((1 << UInt32(precision)) - 1)
        return cumulative.withUnsafeBufferPointer { cumulative in
            var low = 0, high = cumulative.count - 1   // cumulative[low] <= c < cumulative[high]
            while high - low > 1 {
                let mid = (low + high) >> 1
                if cumulative[mid] <= c { low = mid } else { high = mid }
            }
            return low
        }
    }

    // MARK: Symbols

    /// The slot of `value`: value - offset when in range, nil when it must be escaped.
    @inline(__always)
    public func slot(of value: Int32) -> Int? {
        let s = Int(value) - offset
        return s >= 0 && s < count ? s : nil
    }

    /// The symbol that owns the cumulative value c in [0, 2^precision), or nil for the escape
    /// slot. With c uniform in [0, 2^precision) this draws a symbol from the table
    /// (`rda sample`); nil means a draw from the tail (outside `symbols`).
    public func symbol(forCumulative c: UInt32) -> Int32? {
        precondition(UInt64(c) < UInt64(1) << UInt64(precision), "symbol(forCumulative: \(c)) needs c < 2^\(precision)")
        let s = slot(forCumulative: c)
        return s == escapeSlot ? nil : Int32(offset + s)
    }

    /// Probability of `slot` in the integer table, frequency / 2^precision.
    public func probability(ofSlot slot: Int) -> Double {
        Double(frequencies[slot]) / Double(1 << precision)
    }

    /// Code length of `value` in bits: -log2(f / 2^precision) of its slot, plus, when escaped,
    /// the escape code's bits (`escapeCode(for:)`). The range coder's output for a message is
    /// within its small constant overhead of the sum of these.
    public func codeLength(of value: Int32) -> Double {
        if let s = slot(of: value) { return -log2(probability(ofSlot: s)) }
        return -log2(probability(ofSlot: escapeSlot)) + Double(escapeCode(for: value).bitCount)
    }

    /// `codeLength(of:)` for an Int symbol (which must be an Int32 value).
    public func codeLength(of value: Int) -> Double {
        precondition(Int(Int32.min)...Int(Int32.max) ~= value, "codeLength(of: \(value)): not an Int32 value")
        return codeLength(of: Int32(value))
    }
}

// MARK: - A binary heap (max at the top)

struct Heap<Element: Comparable> {
    private var items: [Element] = []
    var top: Element? { items.first }

    mutating func push(_ item: Element) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[parent] < items[i] else { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var largest = i
            if l < items.count && items[largest] < items[l] { largest = l }
            if r < items.count && items[largest] < items[r] { largest = r }
            if largest == i { break }
            items.swapAt(i, largest)
            i = largest
        }
    }
}
