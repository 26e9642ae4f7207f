import Testing
import RDACore

/// Random tensor with entries in [lo, hi), kept at least `gap` away from 0 (for kinks at 0).
func random(_ shape: [Int], _ lo: Float = -2, _ hi: Float = 2, gap: Float = 0, seed: UInt64) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    let t = Tensor.randomUniform(shape, low: lo, high: hi, using: &rng)
    if gap > 0 { for i in 0..<t.count where Swift.abs(t.data[i]) < gap { t.data[i] = t.data[i] < 0 ? -gap : gap } }
    return t
}

/// Elementwise closeness with a message that shows both arrays.
func expectClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "counts \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    for i in 0..<min(a.count, b.count) where Swift.abs(a[i] - b[i]) > atol + rtol * Swift.max(Swift.abs(a[i]), Swift.abs(b[i])) {
        Issue.record("element \(i): \(a[i]) vs \(b[i])\n got \(a.prefix(16))\nwant \(b.prefix(16))", sourceLocation: sourceLocation)
        return
    }
}
