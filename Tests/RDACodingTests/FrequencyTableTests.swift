import Foundation
import Testing
@testable import RDACoding

@Suite struct FrequencyTableTests {
    /// Frequencies sum to 2^precision, all >= 1, cumulative is their prefix sum.
    func expectWellFormed(_ t: FrequencyTable, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(t.frequencies.reduce(UInt64(0)) { $0 + UInt64($1) } == UInt64(1) << UInt64(t.precision), sourceLocation: sourceLocation)
        #expect(t.frequencies.allSatisfy { $0 >= 1 }, sourceLocation: sourceLocation)
        #expect(t.cumulative.count == t.slotCount + 1 && t.cumulative.first == 0, sourceLocation: sourceLocation)
        for s in 0..<t.slotCount {
            #expect(t.cumulative[s + 1] == t.cumulative[s] + t.frequencies[s], sourceLocation: sourceLocation)
        }
    }

    /// sum_s p_s (-log2 q_s) under the integer table q against the entropy -sum_s p_s log2 p_s,
    /// with the tail as the escape slot's probability.
    func lengths(_ t: FrequencyTable, _ p: [Double]) -> (expected: Double, entropy: Double) {
        let tail = max(0, 1 - p.reduce(0, +))
        let all = p + [tail]
        var expected = 0.0, entropy = 0.0
        for (s, ps) in all.enumerated() where ps > 0 {
            expected -= ps * log2(t.probability(ofSlot: s))
            entropy -= ps * log2(ps)
        }
        return (expected, entropy)
    }

    @Test(arguments: [0.3, 0.5, 1, 2, 5, 20])
    func quantizationLossOfGaussians(scale: Double) {
        for mean in [0.0, 0.37, -2.5] {
            let (t, p) = gaussianTable(scale: scale, mean: mean)
            expectWellFormed(t)
            let (expected, entropy) = lengths(t, p)
            #expect(expected >= entropy - 1e-12)             // Gibbs' inequality
            #expect((expected - entropy) / entropy < 0.005, "scale \(scale) mean \(mean): \(expected) vs \(entropy) bits")
        }
    }

    @Test(arguments: [0.3, 1, 4, 20])
    func quantizationLossOfLogistics(scale: Double) {
        let half = Int((12 * scale).rounded(.up)) + 2
        let p = discretized({ logisticCDF($0 - 0.2, scale: scale) }, offset: -half, count: 2 * half + 1)
        let t = FrequencyTable(probabilities: p, offset: -half)
        expectWellFormed(t)
        let (expected, entropy) = lengths(t, p)
        #expect((expected - entropy) / entropy < 0.005, "scale \(scale): \(expected) vs \(entropy) bits")
    }

    /// The quantizer is optimal: no single unit moved from one slot to another shortens the
    /// expected code length.
    @Test func quantizationIsLocallyOptimal() {
        var rng = TestGenerator(seed: 7)
        for trial in 0..<20 {
            let n = Int.random(in: 1...300, using: &rng)
            var p = (0..<n).map { _ in pow(Double.random(in: 0..<1, using: &rng), 4) }
            let scale = Double.random(in: 0.5...1, using: &rng) / p.reduce(0, +)
            p = p.map { $0 * scale }
            let precision = Int.random(in: 10...16, using: &rng)
            let t = FrequencyTable(probabilities: p, offset: -n / 2, precision: precision)
            expectWellFormed(t)
            let w = p + [max(0, 1 - p.reduce(0, +))]
            let f = t.frequencies.map(Double.init)
            var bestGain = -Double.infinity, leastLoss = Double.infinity
            for s in 0..<w.count {
                bestGain = max(bestGain, w[s] * log2((f[s] + 1) / f[s]))
                if f[s] > 1 { leastLoss = min(leastLoss, w[s] * log2(f[s] / (f[s] - 1))) }
            }
            #expect(bestGain <= leastLoss * (1 + 1e-9) + 1e-15, "trial \(trial): a move gains \(bestGain - leastLoss)")
        }
    }

    @Test func extremeTables() {
        // Almost all mass on one symbol: the others keep frequency 1.
        let peaked = FrequencyTable(probabilities: [1e-12, 1 - 1e-9, 1e-12], offset: -1)
        expectWellFormed(peaked)
        #expect(peaked.frequencies == [1, 65_533, 1, 1])
        // 2^16 - 1 symbols + escape fill precision 16 with ones; 2^16 symbols need precision 17.
        let full = FrequencyTable(probabilities: [Double](repeating: 1.0 / 65_535, count: 65_535), offset: 0)
        #expect(full.frequencies.allSatisfy { $0 == 1 })
        let uniform = FrequencyTable(probabilities: [Double](repeating: 1.0 / 65_536, count: 65_536), offset: -32_768, precision: 17)
        expectWellFormed(uniform)
        // 2 each would sum to 2^17 + 1 with the escape's 1: one symbol (the first) gives a unit back.
        #expect(uniform.frequencies.dropLast().filter { $0 == 2 }.count == 65_535 && uniform.frequencies[0] == 1)
        #expect(uniform.codeLength(of: 5) == 16)
        // All zero: the tail (escape) has all the mass, the symbols the minimum.
        let zeros = FrequencyTable(probabilities: [0, 0, 0], offset: 10, precision: 8)
        #expect(zeros.frequencies == [1, 1, 1, 253])
        // No in-range symbol at all: everything escapes.
        let empty = FrequencyTable(probabilities: [], offset: 0, precision: 8)
        #expect(empty.frequencies == [256] && empty.codeLength(of: 0) == 1)
    }

    @Test func codeLengthAndSampling() {
        let t = try! FrequencyTable(frequencies: [64, 128, 32, 28, 4], offset: -2, precision: 8)
        #expect(t.codeLength(of: -2) == 2)
        #expect(t.codeLength(of: -1) == 1)
        #expect(t.codeLength(of: 0) == 3)
        // Escapes: -log2(4/256) = 6 bits plus the Elias-gamma code: distance 0 above -> u 0 -> 1 bit;
        // one below -> u 1 -> w 2 -> 3 bits; Int32.max -> u = 2 (2^31 - 3), w < 2^32 -> 2 * 31 + 1 bits.
        #expect(t.codeLength(of: 2) == 6 + 1)
        #expect(t.codeLength(of: -3) == 6 + 3)
        #expect(t.codeLength(of: Int32.max) == 6 + 63)
        #expect(t.codeLength(of: Int(Int32.min)) == t.codeLength(of: Int32.min))
        // Cumulative values map to their symbols: each symbol owns exactly `frequency` of them.
        var counts: [Int32?: Int] = [:]
        for c in 0..<UInt32(256) { counts[t.symbol(forCumulative: c), default: 0] += 1 }
        #expect(counts == [-2: 64, -1: 128, 0: 32, 1: 28, nil: 4])
    }

    @Test func escapeCodesRoundTripEveryDistance() {
        let t = try! FrequencyTable(frequencies: [100, 100, 56], offset: -7, precision: 8)
        var values: [Int32] = [Int32.min, Int32.min + 1, Int32.max, Int32.max - 1, -8, -9, -6 + 1, -4, 0, 1000, -1000]
        for e in 0..<31 { values += [Int32(1) << Int32(e), -(Int32(1) << Int32(e))] }
        for v in values where t.slot(of: v) == nil {
            let code = t.escapeCode(for: v)
            #expect(t.value(forEscape: code) == v)
            #expect(code.bitCount <= 67)
        }
        // Codes that name no Int32 are refused.
        #expect(t.value(forEscape: EscapeCode(exponent: 33, mantissa: (1 << 33) - 1)) == nil)
    }

    @Test func storedTablesAreValidated() throws {
        let good = try FrequencyTable(frequencies: [100, 100, 56], offset: -1, precision: 8)
        #expect(good.symbols == -1..<1 && good.escapeSlot == 2)
        expectCodingError(.invalidTable, ["sum", "2^8"]) { _ = try FrequencyTable(frequencies: [100, 100, 55], offset: 0, precision: 8) }
        expectCodingError(.invalidTable, ["frequency 0"]) { _ = try FrequencyTable(frequencies: [0, 200, 56], offset: 0, precision: 8) }
        expectCodingError(.invalidTable, ["precision"]) { _ = try FrequencyTable(frequencies: [4], offset: 0, precision: 2) }
        expectCodingError(.invalidTable, ["precision"]) { _ = try FrequencyTable(frequencies: [1 << 31], offset: 0, precision: 31) }
        expectCodingError(.invalidTable, ["escape"]) { _ = try FrequencyTable(frequencies: [], offset: 0, precision: 8) }
        expectCodingError(.invalidTable, ["symbols"]) {
            _ = try FrequencyTable(frequencies: [UInt32](repeating: 1, count: 65_538) + [131_072 - 65_538], offset: 0, precision: 17)
        }
        expectCodingError(.invalidTable, ["int32"]) { _ = try FrequencyTable(frequencies: [100, 100, 56], offset: Int(Int32.max), precision: 8) }
        expectCodingError(.invalidTable, ["int32"]) { _ = try FrequencyTable(frequencies: [256], offset: Int(Int32.min) - 1, precision: 8) }
        // A sum that overflows UInt32 is caught too.
        expectCodingError(.invalidTable, ["sum"]) { _ = try FrequencyTable(frequencies: [UInt32.max, 2], offset: 0, precision: 16) }
        // Round trip of a quantized table through its stored form.
        let (t, _) = gaussianTable(scale: 3)
        #expect(try FrequencyTable(frequencies: t.frequencies, offset: t.offset, precision: t.precision) == t)
    }
}
