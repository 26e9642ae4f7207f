import Testing
import RDACore

/// Checks reverse-mode gradients of `f` against central finite differences: the one
/// finite-difference loop of the tests.
///
/// The scalar probed is L = sum(f(inputs) * R) for a fixed random R (so every output element
/// matters), accumulated in Double. Each input element is nudged by +-eps; the numerical
/// derivative (L+ - L-) / (2 eps) must match the backward pass within
/// |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|).
public func checkGradients(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
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
