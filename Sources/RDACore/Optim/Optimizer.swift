import Foundation

/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    var parameters: [Tensor] { get }
    /// One update from the current gradients.
    func step()
}

extension Optimizer {
    /// Zeroes every parameter's gradient (call before each backward pass).
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// Rescales all gradients together so that their global L2 norm is at most `maxNorm`:
/// g <- g * min(1, maxNorm / ||g||), ||g|| = sqrt(sum over all parameters of g^2).
/// Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters { if let g = p.grad { for i in 0..<g.count { total += Double(g.data[i] * g.data[i]) } } }
    let norm = Float(total.squareRoot())
    if norm > maxNorm && norm > 0 {
        let scale = maxNorm / norm
        for p in parameters { if let g = p.grad { for i in 0..<g.count { g.data[i] *= scale } } }
    }
    return norm
}

/// Stochastic gradient descent with optional momentum (PyTorch's form):
/// v <- mu v + g;  p <- p - lr v   (v = g when mu = 0).
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let momentum: Float
    private var velocity: [Tensor]

    public init(_ parameters: [Tensor], learningRate: Float, momentum: Float = 0) {
        self.parameters = parameters; self.learningRate = learningRate; self.momentum = momentum
        velocity = parameters.map { Tensor(zeros: $0.shape) }
    }

    public func step() {
        for (p, v) in zip(parameters, velocity) {
            guard let g = p.grad else { continue }
            p.markModified()
            for i in 0..<p.count {
                let vi = momentum * v.data[i] + g.data[i]
                v.data[i] = vi
                p.data[i] -= learningRate * vi
            }
        }
    }
}

/// Adam (Kingma & Ba) with bias correction, PyTorch's defaults:
/// m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
/// p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
public final class Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public private(set) var stepCount = 0
    /// Per-parameter multipliers of the learning rate (1 for every parameter unless given).
    public let learningRateScales: [Float]
    private let m: [Tensor], v: [Tensor]

    public init(_ parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                learningRateScales: [Float]? = nil) {
        precondition(learningRateScales == nil || learningRateScales!.count == parameters.count,
                     "Adam: \(learningRateScales!.count) learning-rate scales for \(parameters.count) parameters")
        self.learningRateScales = learningRateScales ?? [Float](repeating: 1, count: parameters.count)
        self.parameters = parameters; self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        m = parameters.map { Tensor(zeros: $0.shape) }
        v = parameters.map { Tensor(zeros: $0.shape) }
    }

    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let c1 = 1 - Foundation.pow(beta1, t), c2 = 1 - Foundation.pow(beta2, t)
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon
        for (k, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            p.markModified()
            let pd = p.data, gd = g.data, md = m[k].data, vd = v[k].data
            let lr = learningRateScales[k] == 1 ? lr : lr * learningRateScales[k]
            parallelRanges(p.count, grain: 1 << 16) { lo, hi in
                Adam.update(pd + lo, gd + lo, md + lo, vd + lo, count: hi - lo,
                            lr: lr, b1: b1, b2: b2, eps: eps, c1: c1, c2: c2)
            }
        }
    }

    /// The update of `step()` on `count` consecutive parameters, eight lanes at a time (the
    /// last count % 8 one by one). Each lane does the scalar `updateOne` operations in the same
    /// order, all correctly rounded IEEE operations (`squareRoot()` included), so the result is
    /// bit-identical to the scalar loop, which the compiler does not vectorize by itself.
    @inline(__always)
    static func update(_ pd: UnsafeMutablePointer<Float>, _ gd: UnsafePointer<Float>,
                       _ md: UnsafeMutablePointer<Float>, _ vd: UnsafeMutablePointer<Float>, count: Int,
                       lr: Float, b1: Float, b2: Float, eps: Float, c1: Float, c2: Float) {
        typealias V = SIMD8<Float>
        let vb1 = V(repeating: b1), vb2 = V(repeating: b2), va1 = V(repeating: 1 - b1), va2 = V(repeating: 1 - b2)
        let vlr = V(repeating: lr), veps = V(repeating: eps), vc1 = V(repeating: c1), vc2 = V(repeating: c2)
        let p = UnsafeMutableRawPointer(pd), g = UnsafeRawPointer(gd)
        let m = UnsafeMutableRawPointer(md), v = UnsafeMutableRawPointer(vd)
        var i = 0
        while i &+ 8 <= count {
            let o = i &* 4
            let gi = g.loadUnaligned(fromByteOffset: o, as: V.self)
            let mi = vb1 * m.loadUnaligned(fromByteOffset: o, as: V.self) + va1 * gi
            let vi = vb2 * v.loadUnaligned(fromByteOffset: o, as: V.self) + va2 * gi * gi
            m.storeBytes(of: mi, toByteOffset: o, as: V.self)
            v.storeBytes(of: vi, toByteOffset: o, as: V.self)
            let pi = p.loadUnaligned(fromByteOffset: o, as: V.self) - vlr * (mi / vc1) / ((vi / vc2).squareRoot() + veps)
            p.storeBytes(of: pi, toByteOffset: o, as: V.self)
            i &+= 8
        }
        while i < count {
            updateOne(pd + i, gd[i], md + i, vd + i, lr: lr, b1: b1, b2: b2, eps: eps, c1: c1, c2: c2)
            i &+= 1
        }
    }

    /// The scalar update of one parameter: the formula of the type's documentation.
    @inline(__always)
    static func updateOne(_ p: UnsafeMutablePointer<Float>, _ gi: Float, _ m: UnsafeMutablePointer<Float>,
                          _ v: UnsafeMutablePointer<Float>, lr: Float, b1: Float, b2: Float, eps: Float, c1: Float, c2: Float) {
        let mi = b1 * m.pointee + (1 - b1) * gi
        let vi = b2 * v.pointee + (1 - b2) * gi * gi
        m.pointee = mi; v.pointee = vi
        p.pointee -= lr * (mi / c1) / ((vi / c2).squareRoot() + eps)
    }

    /// Optimizer state as named tensors (`m.<i>`, `v.<i>`) for checkpoints.
    public var state: (step: Int, m: [Tensor], v: [Tensor]) { (stepCount, m, v) }

    /// Restores state saved from `state`.
    public func restore(step: Int, m: [[Float]], v: [[Float]]) {
        require(m.count == self.m.count && v.count == self.v.count, "Adam.restore: state for \(m.count) tensors, have \(self.m.count)")
        stepCount = step
        for (t, vals) in zip(self.m, m) { t.assign(vals) }
        for (t, vals) in zip(self.v, v) { t.assign(vals) }
    }
}
