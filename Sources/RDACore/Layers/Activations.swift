/// max(x, 0) elementwise. Shapes: S -> S.
public final class ReLU: FusibleActivation {
    public init() {}
    public var activation: Activation { .relu }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
}

/// x for x > 0, slope * x otherwise. Shapes: S -> S.
public final class LeakyReLU: Layer {
    public let slope: Float
    public init(slope: Float = 0.01) { self.slope = slope }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.leakyRelu(slope: slope) }
}

/// 1 / (1 + e^-x) elementwise. Shapes: S -> S.
public final class Sigmoid: FusibleActivation {
    public init() {}
    public var activation: Activation { .sigmoid }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// tanh elementwise. Shapes: S -> S.
public final class Tanh: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.tanh() }
}

/// Reshapes every example, keeping the batch axis. Shapes: [N, ...] -> [N] + `shape`.
public final class Reshape: Layer {
    public let shape: [Int]
    public init(_ shape: [Int]) { self.shape = shape }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.reshaped([x.shape[0]] + shape) }
}

/// Flattens every example. Shapes: [N, ...] -> [N, product of the rest].
public final class Flatten: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.reshaped([x.shape[0], -1]) }
}
