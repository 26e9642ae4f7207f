/// A residual connection around a body of layers: y = act(body(x) + x), after He, Zhang, Ren and
/// Sun, "Deep residual learning for image recognition" (CVPR 2016). The body must keep the shape.
///
/// Shapes: S -> S. The parameters are the body's, named as PyTorch names those of a module that
/// subclasses `nn.Sequential` (`"0.weight"`, `"2.bias"`: `encoder.3.0.weight` in a model), so a
/// `Residual` in a `Sequential` reads as a nested `nn.Sequential` whose forward adds its input.
///
/// While fusing (`Fusion.isEnabled`), the body gets its input in the convolutions' layout
/// (`LayoutPassing`), and without gradients a sum of two channels-last image batches is made
/// channels-last and handed on so, its NCHW copy made only when asked for (`ChannelsLastImages`).
public final class Residual: Layer {
    /// The layers whose output is added to the input.
    public let body: Sequential
    /// The activation applied to the sum (`.relu` in a ResNet block, `.identity` for none).
    public let activation: Activation

    /// act(body(x) + x).
    public init(_ body: Sequential, activation: Activation = .relu) {
        self.body = body
        self.activation = activation
    }

    /// act(body(x) + x). Shapes: S -> S.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard Fusion.isEnabled else {
            let sum = body(x) + x
            switch activation {
            case .identity: return sum
            case .relu: return sum.relu()
            case .sigmoid: return sum.sigmoid()
            }
        }
        return forward(.tensor(x), activation: .identity).tensor
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { body.namedParameters }
}

extension Residual: LayoutPassing {
    /// The body on `x` as it comes (channels-last images stay so); the sum and the activation in
    /// one op. `activation` is `.identity` (a `Residual` fuses no activation after it).
    func forward(_ x: LayerOutput, activation after: Activation) -> LayerOutput {
        require(after == .identity, "Residual fuses no activation after it")
        let y = body.forward(x)
        require(y.node.shape == x.node.shape, "residual: the body maps \(x.node.shape) to \(y.node.shape); it must keep the shape")
        if !GradMode.isEnabled, let a = y.channelsLast, let b = x.channelsLast {
            let sum = Tensor(uninitialized: a.shape)
            Tensor.addActivated(a.data, b.data, into: sum.data, count: sum.count, activation: activation)
            return .images(ChannelsLastImages(nchw: Tensor(uninitialized: x.node.shape), channelsLast: sum, deferred: true))
        }
        return .tensor(Tensor.addActivated(y.tensor, x.tensor, activation: activation))
    }
}

extension Tensor {
    /// act(a + b) elementwise as one op: a residual connection's sum and the activation after
    /// it in one pass. Shapes: S, S -> S. Backward: dL/da = dL/db = dL/dy act'(y), with
    /// act' read from the output y as for the fused activations (`Activation`).
    public static func addActivated(_ a: Tensor, _ b: Tensor, activation: Activation) -> Tensor {
        require(a.shape == b.shape, "addActivated: shapes \(a.shape) and \(b.shape) differ")
        let y = Tensor(uninitialized: a.shape)
        addActivated(a.data, b.data, into: y.data, count: y.count, activation: activation)
        return y.recording([a, b]) { out in
            let g = out.grad!.data, n = out.count
            activation.multiplyByDerivative(g, output: out.data, count: n)
            for input in [a, b] where input.requiresGrad {
                let sink = input.gradientSink(), p = sink.pointer
                if sink.accumulate {
                    parallelRanges(n) { lo, hi in for i in lo..<hi { p[i] += g[i] } }
                } else {
                    p.update(from: g, count: n)
                }
            }
        }
    }

    /// y[i] = act(a[i] + b[i]) for i < count, on the worker pool.
    static func addActivated(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                             count: Int, activation: Activation) {
        parallelRanges(count) { lo, hi in
            for i in lo..<hi { y[i] = a[i] + b[i] }
            activation.apply(y + lo, count: hi - lo, bias: nil, stride: 0)
        }
    }
}
