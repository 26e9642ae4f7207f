import Foundation
import Testing
@testable import RDACoding

/// The range coder's termination to the bit and the tables' mode-first order: what version-2
/// `.rdac` records store.
@Suite struct BitTerminationTests {
    /// For a message of ideal cost b bits the significant bits never exceed ceil(b) (up to the
    /// window's rounding), and, the final interval lying anywhere, they average
    /// E[ceil(b) - 2^(ceil(b) - b)] - b = E[f - 2^f] = 1/2 - 1/ln 2 = -0.94 bits for a fractional
    /// part f uniform in [0, 1): the payload alone is not self-delimiting (the container stores
    /// its length), so it can be shorter than -log2 P.
    @Test(arguments: [false, true])
    func significantBitsAgainstIdealCodeLength(modeFirst: Bool) throws {
        var rng = TestGenerator(seed: 21)
        var over: [Double] = []
        for _ in 0..<1500 {
            let meanScale = exp(Double.random(in: log(0.35)...log(3.5), using: &rng))
            let made = (0..<32).map { _ in gaussianTable(scale: meanScale * Double.random(in: 0.5...1.5, using: &rng)) }
            let tables = made.map { modeFirst ? $0.0.modeFirst : $0.0 }
            let symbols = made.map { draw($0.1, offset: $0.0.offset, using: &rng) }
            let ideal = idealBits(symbols: symbols, tables: tables)
            let bytes = RangeEncoder.encode(symbols: symbols, tables: tables)
            let bits = RangeEncoder.significantBits(of: bytes)
            #expect(bytes.count == (bits + 7) / 8 && (bytes.last.map { $0 != 0 } ?? true))
            #expect(Double(bits) <= ideal.rounded(.up) + 1e-6 || Double(bits) < ideal + 1 + 1e-3, "\(bits) bits for ideal \(ideal)")
            #expect(try RangeDecoder.decode(bytes: bytes, tables: tables) == symbols)
            over.append(Double(bits) - ideal)
        }
        let mean = over.reduce(0, +) / Double(over.count)
        print("significant bits - ideal (\(modeFirst ? "mode-first" : "stored order"), \(over.count) messages of 32 symbols): mean \(String(format: "%.3f", mean)), min \(String(format: "%.2f", over.min()!)), max \(String(format: "%.3f", over.max()!))")
        #expect(over.allSatisfy { $0 < 1 + 1e-3 })
        #expect(abs(mean - (0.5 - 1 / log(2.0))) < 0.3, "mean overhead \(mean)")
    }

    /// With the mode-first order a message made only of modes ends on the value 0: 0 bits.
    @Test func messagesOfModesCostNothing() throws {
        var rng = TestGenerator(seed: 22)
        for k in [1, 5, 32, 200] {
            let tables = (0..<k).map { _ in gaussianTable(scale: Double.random(in: 0.2...4, using: &rng), mean: Double.random(in: -2...2, using: &rng)).0.modeFirst }
            let modes = tables.map { t in Int32(t.offset + (0..<t.count).max(by: { t.frequencies[$0] < t.frequencies[$1] || (t.frequencies[$0] == t.frequencies[$1] && $0 > $1) })!) }
            let bytes = RangeEncoder.encode(symbols: modes, tables: tables)
            #expect(bytes.isEmpty, "\(k) modes took \(bytes.count) bytes")
            #expect(try RangeDecoder.decode(bytes: [], tables: tables) == modes)
        }
    }

    /// Rotating the order keeps every probability; slots still tile [0, 2^p) exactly once.
    @Test func modeFirstIsARotation() throws {
        var rng = TestGenerator(seed: 23)
        for _ in 0..<50 {
            let t = gaussianTable(scale: Double.random(in: 0.3...10, using: &rng), mean: Double.random(in: -3...3, using: &rng),
                                  precision: Int.random(in: 8...16, using: &rng)).0
            let r = t.modeFirst
            let total = UInt32(1) << UInt32(t.precision)
            var owner = [Int](repeating: -1, count: Int(total))
            for s in 0..<r.slotCount {
                #expect(r.frequency(ofSlot: s) == t.frequency(ofSlot: s))
                #expect(r.codeLength(of: Int32(t.offset + min(s, t.count - 1))) == t.codeLength(of: Int32(t.offset + min(s, t.count - 1))))
                for c in 0..<r.frequency(ofSlot: s) { owner[Int((r.cumulative(ofSlot: s) + c) % total)] = s }
            }
            #expect(!owner.contains(-1))
            for c in stride(from: 0, to: total, by: 7) { #expect(r.slot(forCumulative: c) == owner[Int(c)]) }
            let mode = (0..<t.count).max(by: { t.frequencies[$0] < t.frequencies[$1] || (t.frequencies[$0] == t.frequencies[$1] && $0 > $1) })!
            #expect(r.cumulative(ofSlot: mode) == 0)
        }
    }
}
