import Foundation

// Elementwise unary ops. Every op here maps a tensor of any shape S to one of shape S; its
// backward adds gOut * f'(x) into gX. `f'` is written as a function of the input x and the
// output y = f(x), whichever is cheaper.

/// An elementwise function with its derivative, as a type: ops generic over it are specialized
/// per function, so the loops call no closures and vectorize where the function allows.
protocol UnaryKernel {
    func value(_ x: Float) -> Float
    /// dy/dx from the input x and the output y = value(x).
    func derivative(x: Float, y: Float) -> Float
}

extension Tensor {
    /// y = k(x) elementwise, with dy/dx = k.derivative. Shapes: S -> S.
    @inline(__always)
    func unary<K: UnaryKernel>(_ k: K) -> Tensor {
        let x = self
        let y = Tensor(uninitialized: shape)
        let xd = x.data, yd = y.data
        parallelRanges(count) { lo, hi in for i in lo..<hi { yd[i] = k.value(xd[i]) } }
        return y.recording([x]) { out in
            let g = out.grad!.data, yd = out.data, sink = x.gradientSink(), gx = sink.pointer
            parallelRanges(x.count) { lo, hi in
                if sink.accumulate {
                    for i in lo..<hi { gx[i] += g[i] * k.derivative(x: xd[i], y: yd[i]) }
                } else {
                    for i in lo..<hi { gx[i] = g[i] * k.derivative(x: xd[i], y: yd[i]) }
                }
            }
        }
    }

    /// -x. Shapes: S -> S.
    public static prefix func - (x: Tensor) -> Tensor { x.unary(Elementwise.Scale(c: -1)) }

    /// e^x. Shapes: S -> S. d/dx = e^x.
    public func exp() -> Tensor { unary(Elementwise.Exp()) }

    /// ln x (x > 0). Shapes: S -> S. d/dx = 1/x.
    public func log() -> Tensor { unary(Elementwise.Log()) }

    /// ln(1 + x), accurate near 0. Shapes: S -> S. d/dx = 1/(1 + x).
    public func log1p() -> Tensor { unary(Elementwise.Log1p()) }

    /// sqrt x (x >= 0). Shapes: S -> S. d/dx = 1/(2 sqrt x).
    public func sqrt() -> Tensor { unary(Elementwise.Sqrt()) }

    /// x^2. Shapes: S -> S. d/dx = 2x.
    public func square() -> Tensor { unary(Elementwise.Square()) }

    /// |x|. Shapes: S -> S. d/dx = sign(x), with the subgradient 0 at x = 0.
    public func abs() -> Tensor { unary(Elementwise.Abs()) }

    /// max(x, 0). Shapes: S -> S. d/dx = 1 for x > 0, else 0.
    public func relu() -> Tensor { unary(Elementwise.ReLU()) }

    /// x for x > 0, slope * x otherwise. Shapes: S -> S.
    public func leakyRelu(slope: Float = 0.01) -> Tensor { unary(Elementwise.LeakyReLU(slope: slope)) }

    /// 1 / (1 + e^-x), evaluated without overflow for large |x|. Shapes: S -> S. d/dx = y (1 - y).
    public func sigmoid() -> Tensor { unary(Elementwise.Sigmoid()) }

    /// tanh x. Shapes: S -> S. d/dx = 1 - y^2.
    public func tanh() -> Tensor { unary(Elementwise.Tanh()) }

    /// ln(1 + e^x), computed stably as max(x, 0) + ln(1 + e^-|x|). Shapes: S -> S. d/dx = sigmoid(x).
    public func softplus() -> Tensor { unary(Elementwise.Softplus()) }

    /// c * x for a constant c. Shapes: S -> S.
    public func scaled(by c: Float) -> Tensor { unary(Elementwise.Scale(c: c)) }

    /// x + c for a constant c. Shapes: S -> S.
    public func shifted(by c: Float) -> Tensor { unary(Elementwise.Shift(c: c)) }

    /// min(max(x, lo), hi). Shapes: S -> S. d/dx = 1 inside (lo, hi), else 0.
    public func clamped(_ lo: Float, _ hi: Float) -> Tensor { unary(Elementwise.Clamp(lo: lo, hi: hi)) }
}

/// The elementwise functions of the unary ops.
enum Elementwise {
    struct Scale: UnaryKernel {
        let c: Float
        @inline(__always) func value(_ x: Float) -> Float { c * x }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { c }
    }
    struct Shift: UnaryKernel {
        let c: Float
        @inline(__always) func value(_ x: Float) -> Float { x + c }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { 1 }
    }
    struct Exp: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { Foundation.exp(x) }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { y }
    }
    struct Log: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { Foundation.log(x) }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { 1 / x }
    }
    struct Log1p: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { Foundation.log1p(x) }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { 1 / (1 + x) }
    }
    struct Sqrt: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { x.squareRoot() }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { 0.5 / y }
    }
    struct Square: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { x * x }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { 2 * x }
    }
    struct Abs: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { Swift.abs(x) }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
    }
    struct ReLU: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { x > 0 ? x : 0 }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { x > 0 ? 1 : 0 }
    }
    struct LeakyReLU: UnaryKernel {
        let slope: Float
        @inline(__always) func value(_ x: Float) -> Float { x > 0 ? x : slope * x }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { x > 0 ? 1 : slope }
    }
    struct Sigmoid: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { Scalar.sigmoid(x) }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { y * (1 - y) }
    }
    struct Tanh: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { Foundation.tanh(x) }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { 1 - y * y }
    }
    struct Softplus: UnaryKernel {
        @inline(__always) func value(_ x: Float) -> Float { Scalar.softplus(x) }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { Scalar.sigmoid(x) }
    }
    struct Clamp: UnaryKernel {
        let lo: Float, hi: Float
        @inline(__always) func value(_ x: Float) -> Float { Swift.min(Swift.max(x, lo), hi) }
        @inline(__always) func derivative(x: Float, y: Float) -> Float { (x > lo && x < hi) ? 1 : 0 }
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
