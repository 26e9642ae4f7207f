import Foundation
import Testing
import RDACoding

/// SplitMix64: deterministic test randomness.
struct TestGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2.
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// Logistic CDF with location 0 and scale s.
func logisticCDF(_ x: Double, scale s: Double) -> Double { 1 / (1 + exp(-x / s)) }

/// P(k) = F(k + 1/2) - F(k - 1/2) for k = offset..<offset + count: an integer-quantized
/// continuous density with CDF F (the probabilities need not sum to 1: the rest is the tail).
func discretized(_ cdf: (Double) -> Double, offset: Int, count: Int) -> [Double] {
    (0..<count).map { i in
        let k = Double(offset + i)
        return max(0, cdf(k + 0.5) - cdf(k - 0.5))
    }
}

/// A discretized Gaussian of standard deviation `scale` and mean `mean` covering +-`width` scales.
func gaussianTable(scale: Double, mean: Double = 0, width: Double = 6, precision: Int = 16) -> (table: FrequencyTable, probabilities: [Double]) {
    let low = Int((mean - width * scale - 1).rounded(.down))
    let high = Int((mean + width * scale + 1).rounded(.up))
    let p = discretized({ normalCDF(($0 - mean) / scale) }, offset: low, count: high - low + 1)
    return (FrequencyTable(probabilities: p, offset: low, precision: precision), p)
}

/// Draws one symbol from `probabilities` (symbols offset...), or the nearest out-of-range value
/// beyond the table with the tail's probability.
func draw(_ probabilities: [Double], offset: Int, using rng: inout TestGenerator) -> Int32 {
    var u = Double.random(in: 0..<1, using: &rng)
    for (i, p) in probabilities.enumerated() {
        if u < p { return Int32(offset + i) }
        u -= p
    }
    return Bool.random(using: &rng) ? Int32(offset - 1) : Int32(offset + probabilities.count)
}

/// Runs `body`, expects an `RDACodingError` of `kind` whose one-line text contains every string
/// of `words` (case-insensitive).
@discardableResult
func expectCodingError(_ kind: RDACodingError.Kind, _ words: [String] = [],
                       sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) -> RDACodingError? {
    do {
        try body()
        Issue.record("expected RDACodingError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as RDACodingError {
        let text = error.description
        #expect(error.kind == kind, "kind \(error.kind) != \(kind): \(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("\n"), "not one line: \(text)", sourceLocation: sourceLocation)
        for word in words {
            #expect(text.lowercased().contains(word.lowercased()), "'\(word)' missing from: \(text)",
                    sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected RDACodingError.\(kind), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
