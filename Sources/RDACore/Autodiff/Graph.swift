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

/// Runs `body` with graph recording off on this thread: no op keeps parents or backward
/// closures, so intermediate buffers are released as soon as they are no longer used.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    let previous = GradMode.isEnabled
    GradMode.set(false)
    defer { GradMode.set(previous) }
    return try body()
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

    /// The gradient buffer, allocated as zeros on first use. Backward functions add into it.
    @inline(__always)
    var gradData: UnsafeMutablePointer<Float> {
        if let g = grad { return g.data }
        let g = Tensor(zeros: shape)
        grad = g
        return g.data
    }

    /// Sets the gradient to zero (or drops it).
    public func zeroGrad() {
        if let g = grad { g.data.update(repeating: 0, count: count) }
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
        gradData.update(from: seed.data, count: count)
        for node in order.reversed() {
            guard let f = node.backwardFunction, node.grad != nil else { continue }
            f(node)
        }
        // Release the graph: intermediates drop their gradients and links.
        for node in order where node.backwardFunction != nil {
            node.grad = nil
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
