import Foundation

/// Whether ops record the autodiff graph, per thread. Evaluation turns it off with
/// `withoutGradients`; other threads (say, concurrent tests) are unaffected.
public enum GradMode {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// True while ops on this thread record parents and backward functions.
    public static var isEnabled: Bool {
        // the key holds nil (enabled, the default) or a non-nil marker (disabled)
        pthread_getspecific(key) == nil
    }

    static func set(_ enabled: Bool) {
        pthread_setspecific(key, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
    }
}

/// Whether fused kernels replace compositions of primitive ops, per thread (default: on).
///
/// A fused kernel (say `Tensor.linear(_:weight:bias:activation:)` for a layer followed by its
/// activation, or the closed-form rate of `RDAModel`) computes the same function as the
/// composition of primitives it replaces, in one pass and with its own backward. The plain
/// composition stays available as the reference: `withoutFusion` turns fusion off on this thread,
/// which is how tests check that both give the same loss and gradients.
public enum Fusion {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// True unless this thread is inside `withoutFusion`.
    public static var isEnabled: Bool { pthread_getspecific(key) == nil }

    static func set(_ enabled: Bool) {
        pthread_setspecific(key, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
    }
}

/// Runs `body` with fused kernels off on this thread: every op runs as the plain composition of
/// primitives (the reference path).
public func withoutFusion<R>(_ body: () throws -> R) rethrows -> R {
    let previous = Fusion.isEnabled
    Fusion.set(false)
    defer { Fusion.set(previous) }
    return try body()
}

/// Runs `body` with graph recording off on this thread: no op keeps parents or backward
/// closures, so intermediate buffers are released as soon as they are no longer used.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    let previous = GradMode.isEnabled
    GradMode.set(false)
    defer { GradMode.set(previous) }
    return try body()
}

/// Where a backward function puts an input's gradient: `pointer` to `count` floats, and whether
/// they hold a gradient to add to (`accumulate`) or are fresh memory that must be *overwritten*
/// (every element written, none read). `beta` is the matching GEMM factor (1 or 0).
public struct GradientSink {
    public let pointer: UnsafeMutablePointer<Float>
    public let accumulate: Bool
    @inlinable public var beta: Float { accumulate ? 1 : 0 }

    /// pointer[i] = v (fresh) or pointer[i] += v (accumulating).
    @inlinable @inline(__always)
    public func put(_ i: Int, _ v: Float) {
        if accumulate { pointer[i] += v } else { pointer[i] = v }
    }
}

extension Tensor {
    /// Wraps an op's result: when recording and any input requires a gradient, links the result
    /// to `inputs` with `backward`, which must accumulate d(loss)/d(input) for every input that
    /// requires a gradient, reading `out.grad`.
    @inline(__always)
    func recording(_ inputs: [Tensor], _ backward: @escaping (_ out: Tensor) -> Void) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
        requiresGrad = true
        parents = inputs
        backwardFunction = backward
        return self
    }

    /// An op defined outside RDACore (a fused kernel): a tensor of `shape` whose values `forward`
    /// writes (all of them), linked to `inputs` when recording. `backward` receives d(loss)/d(out)
    /// (`count` floats) and must add d(loss)/d(input) into `input.gradientSink()` for every input
    /// that `requiresGrad`.
    public static func custom(shape: [Int], inputs: [Tensor], forward: (UnsafeMutablePointer<Float>) -> Void,
                              backward: @escaping (_ outGrad: UnsafePointer<Float>) -> Void) -> Tensor {
        let y = Tensor(uninitialized: shape)
        forward(y.data)
        return y.recording(inputs) { out in backward(out.grad!.data) }
    }

    /// The gradient buffer, allocated as zeros on first use. Backward functions add into it.
    @inline(__always)
    var gradData: UnsafeMutablePointer<Float> {
        if let g = storedGrad {
            if gradIsStale { g.data.update(repeating: 0, count: count); gradIsStale = false }
            return g.data
        }
        let g = Tensor(zeros: shape)
        storedGrad = g
        return g.data
    }

    /// Where a backward function puts this tensor's gradient: the existing gradient to add to,
    /// or (first contribution of a pass, or after `zeroGrad()`) memory to overwrite, which saves
    /// clearing it first. The caller must then write every element.
    public func gradientSink() -> GradientSink {
        if let g = storedGrad {
            if gradIsStale { gradIsStale = false; return GradientSink(pointer: g.data, accumulate: false) }
            return GradientSink(pointer: g.data, accumulate: true)
        }
        let g = Tensor(uninitialized: shape)
        storedGrad = g
        return GradientSink(pointer: g.data, accumulate: false)
    }

    /// Sets the gradient to zero (lazily: the memory is cleared or overwritten when next used).
    public func zeroGrad() {
        if storedGrad != nil { gradIsStale = true }
    }

    /// Backpropagates from this scalar: seeds d(self)/d(self) = 1, then calls every recorded
    /// backward function in reverse topological order. Gradients accumulate into leaves that
    /// require them; intermediate gradients and the graph are released afterwards.
    public func backward() {
        require(count == 1, "backward() needs a scalar, got shape \(shape); reduce it first (sum/mean)")
        backward(seed: Tensor(shape: shape, repeating: 1))
    }

    /// Backpropagates with an explicit upstream gradient `seed` (same shape as `self`).
    public func backward(seed: Tensor) {
        require(seed.shape == shape, "backward seed shape \(seed.shape) != \(shape)")
        guard requiresGrad else { return }
        let order = topologicalOrder()
        let sink = gradientSink()
        if sink.accumulate {
            for i in 0..<count { sink.pointer[i] += seed.data[i] }
        } else {
            sink.pointer.update(from: seed.data, count: count)
        }
        for node in order.reversed() {
            guard let f = node.backwardFunction, node.hasGradient else { continue }
            if node.gradIsStale { _ = node.gradData }
            f(node)
        }
        // Release the graph: intermediates drop their gradients and links.
        for node in order where node.backwardFunction != nil {
            node.grad = nil
            node.channelsLastGradient = nil
            node.parents = []
            node.backwardFunction = nil
        }
    }

    /// Nodes reachable from `self` through `parents`, each after all of its parents.
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            let id = ObjectIdentifier(node)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((node, true))
            for p in node.parents where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        return order
    }
}
