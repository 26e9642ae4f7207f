import Testing
import RDACore

/// Checks reverse-mode gradients of `f` against central finite differences.
///
/// The scalar probed is L = sum(f(inputs) * R) for a fixed random R (so every output element
/// matters), accumulated in Double. Each input element is nudged by +-eps; the numerical
/// derivative (L+ - L-) / (2 eps) must match the backward pass within
/// |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|).
func checkGradients(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
                    seed: UInt64 = 99, sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: ([Tensor]) -> Tensor) {
    for x in inputs { x.requiringGrad() }
    let probe = f(inputs)
    var rng = SeededGenerator(seed: seed)
    let r = Tensor.randomNormal(probe.shape, using: &rng)
    func loss() -> Double {
        let y = withoutGradients { f(inputs) }
        var acc = 0.0
        for i in 0..<y.count { acc += Double(y.data[i]) * Double(r.data[i]) }
        return acc
    }
    for x in inputs { x.zeroGrad() }
    (probe * r).sum().backward()
    var worst: Float = 0
    for (n, x) in inputs.enumerated() {
        let analytic = x.grad?.values ?? [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let old = x.data[i]
            x.data[i] = old + eps; let lp = loss()
            x.data[i] = old - eps; let lm = loss()
            x.data[i] = old
            let numeric = Float((lp - lm) / (2 * Double(eps)))
            let err = Swift.abs(analytic[i] - numeric)
            let allowed = atol + rtol * Swift.max(Swift.abs(analytic[i]), Swift.abs(numeric))
            worst = Swift.max(worst, err / allowed)
            if err > allowed {
                Issue.record("input \(n) shape \(x.shape) element \(i): analytic \(analytic[i]) vs numeric \(numeric)", sourceLocation: sourceLocation)
                return
            }
        }
    }
    #expect(worst <= 1, sourceLocation: sourceLocation)
}

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
