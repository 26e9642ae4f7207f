import Foundation
import Testing
@testable import RDACoding

@Suite("Bits-back rANS stack")
struct BitsBackStackTests {
    /// Pops then pushes, pushes then pops, at mixed precisions, give back every symbol and the
    /// initial stack exactly; the bytes describe the same stack.
    @Test func pushAndPopAreExactInverses() {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<20 {
            let start = BitsBackStack(randomWords: trial % 3, seed: UInt64(trial))
            var s = start
            var log: [(UInt32, UInt32, Int)] = []
            for _ in 0..<2000 {
                let p = Int.random(in: 1...BitsBackStack.maximumPrecision, using: &rng)
                let total = UInt32(1) << UInt32(p)
                if Bool.random(using: &rng) {
                    let f = UInt32.random(in: 1...Swift.max(1, total - 1), using: &rng)
                    let c = UInt32.random(in: 0...(total - f), using: &rng)
                    s.push(cumulative: c, frequency: f, precision: p)
                    log.append((c, f, p))
                } else {
                    // a pop with a two-slot model: [0, f) and [f, 2^p)
                    let f = UInt32.random(in: 1...Swift.max(1, total - 1), using: &rng)
                    let slot = s.peek(precision: p)
                    let (c, freq) = slot < f ? (UInt32(0), f) : (f, total - f)
                    s.pop(cumulative: c, frequency: freq, precision: p)
                    log.append((c, freq, -p))
                }
            }
            #expect(BitsBackStack(bytes: s.bytes) == s)
            for (c, f, p) in log.reversed() {
                if p > 0 { #expect(s.peek(precision: p) >= c && s.peek(precision: p) < c + f); s.pop(cumulative: c, frequency: f, precision: p) }
                else { s.push(cumulative: c, frequency: f, precision: -p) }
            }
            #expect(s == start, "trial \(trial)")
        }
    }

    /// A pushed symbol costs its information content: 10000 symbols of probability 1/3 at
    /// precision 24 take log2(3) bits each to within 0.1%.
    @Test func codeLengthIsTheInformationContent() {
        var s = BitsBackStack(randomWords: 0, seed: 1)
        let f = UInt32((1 << 24) / 3)
        for i in 0..<10_000 { s.push(cumulative: UInt32(i % 3) * f, frequency: f, precision: 24) }
        let ideal = 10_000 * -log2(Double(f) / Double(1 << 24))
        #expect(Swift.abs(Double(s.bitCount - 64) - ideal) < 0.001 * ideal + 64, "\(s.bitCount) bits for \(ideal)")
    }

    /// Bytes that are not whole words and a state are refused, not misread.
    @Test func malformedBytesAreRefused() {
        #expect(BitsBackStack(bytes: []) == nil)
        #expect(BitsBackStack(bytes: [1, 2, 3, 4, 5, 6, 7]) == nil)
        #expect(BitsBackStack(bytes: [UInt8](repeating: 1, count: 10)) == nil)
        #expect(BitsBackStack(bytes: [UInt8](repeating: 1, count: 12))?.words.count == 1)
    }
}
