import Foundation

// Elementwise unary ops. Every op here maps a tensor of any shape S to one of shape S; its
// backward adds gOut * f'(x) into gX. `f'` is written as a function of the input x and the
// output y = f(x), whichever is cheaper.

extension Tensor {
    /// y = f(x) elementwise, with dy/dx = df(x, y). Shapes: S -> S.
    @inline(__always)
    func unary(_ f: @escaping (Float) -> Float, derivative df: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let x = self
        let y = Tensor(uninitialized: shape)
        let xd = x.data, yd = y.data
        parallelRanges(count) { lo, hi in for i in lo..<hi { yd[i] = f(xd[i]) } }
        return y.recording([x]) { out in
            let g = out.grad!.data, yd = out.data, gx = x.gradData
            parallelRanges(x.count) { lo, hi in for i in lo..<hi { gx[i] += g[i] * df(xd[i], yd[i]) } }
        }
    }

    /// -x. Shapes: S -> S.
    public static prefix func - (x: Tensor) -> Tensor { x.unary({ -$0 }, derivative: { _, _ in -1 }) }

    /// e^x. Shapes: S -> S. d/dx = e^x.
    public func exp() -> Tensor { unary({ Foundation.exp($0) }, derivative: { _, y in y }) }

    /// ln x (x > 0). Shapes: S -> S. d/dx = 1/x.
    public func log() -> Tensor { unary({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }

    /// ln(1 + x), accurate near 0. Shapes: S -> S. d/dx = 1/(1 + x).
    public func log1p() -> Tensor { unary({ Foundation.log1p($0) }, derivative: { x, _ in 1 / (1 + x) }) }

    /// sqrt x (x >= 0). Shapes: S -> S. d/dx = 1/(2 sqrt x).
    public func sqrt() -> Tensor { unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }

    /// x^2. Shapes: S -> S. d/dx = 2x.
    public func square() -> Tensor { unary({ $0 * $0 }, derivative: { x, _ in 2 * x }) }

    /// |x|. Shapes: S -> S. d/dx = sign(x), with the subgradient 0 at x = 0.
    public func abs() -> Tensor {
        unary({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }

    /// max(x, 0). Shapes: S -> S. d/dx = 1 for x > 0, else 0.
    public func relu() -> Tensor { unary({ $0 > 0 ? $0 : 0 }, derivative: { x, _ in x > 0 ? 1 : 0 }) }

    /// x for x > 0, slope * x otherwise. Shapes: S -> S.
    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        unary({ $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }

    /// 1 / (1 + e^-x), evaluated without overflow for large |x|. Shapes: S -> S. d/dx = y (1 - y).
    public func sigmoid() -> Tensor { unary(Scalar.sigmoid, derivative: { _, y in y * (1 - y) }) }

    /// tanh x. Shapes: S -> S. d/dx = 1 - y^2.
    public func tanh() -> Tensor { unary({ Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }

    /// ln(1 + e^x), computed stably as max(x, 0) + ln(1 + e^-|x|). Shapes: S -> S. d/dx = sigmoid(x).
    public func softplus() -> Tensor { unary(Scalar.softplus, derivative: { x, _ in Scalar.sigmoid(x) }) }

    /// c * x for a constant c. Shapes: S -> S.
    public func scaled(by c: Float) -> Tensor { unary({ c * $0 }, derivative: { _, _ in c }) }

    /// x + c for a constant c. Shapes: S -> S.
    public func shifted(by c: Float) -> Tensor { unary({ $0 + c }, derivative: { _, _ in 1 }) }

    /// min(max(x, lo), hi). Shapes: S -> S. d/dx = 1 inside (lo, hi), else 0.
    public func clamped(_ lo: Float, _ hi: Float) -> Tensor {
        unary({ Swift.min(Swift.max($0, lo), hi) }, derivative: { x, _ in (x > lo && x < hi) ? 1 : 0 })
    }
}

/// Numerically safe scalar functions shared by ops and fused kernels.
public enum Scalar {
    /// sigmoid(x) = 1 / (1 + e^-x), as e^x / (1 + e^x) for x < 0 so that e^(...) never overflows.
    @inline(__always) public static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }

    /// softplus(x) = ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|).
    @inline(__always) public static func softplus(_ x: Float) -> Float {
        Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
    }
}

// Scalar-on-tensor operators, composed from the ops above.
public func * (c: Float, x: Tensor) -> Tensor { x.scaled(by: c) }
public func * (x: Tensor, c: Float) -> Tensor { x.scaled(by: c) }
public func + (x: Tensor, c: Float) -> Tensor { x.shifted(by: c) }
public func + (c: Float, x: Tensor) -> Tensor { x.shifted(by: c) }
public func - (x: Tensor, c: Float) -> Tensor { x.shifted(by: -c) }
public func - (c: Float, x: Tensor) -> Tensor { (-x).shifted(by: c) }
public func / (x: Tensor, c: Float) -> Tensor { x.scaled(by: 1 / c) }
