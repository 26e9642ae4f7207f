import Foundation

/// Affine layer y = x W^T + b.
///
/// Shapes: x [N, in] -> [N, out]; weight [out, in], bias [out].
/// Initialization (PyTorch's default, `kaiming_uniform_(a: sqrt 5)`): W and b uniform on
/// [-1/sqrt(in), 1/sqrt(in)].
public final class Linear: ActivationFusing {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout SeededGenerator) {
        require(inFeatures >= 1 && outFeatures >= 1, "Linear(\(inFeatures), \(outFeatures)): sizes must be positive")
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Tensor.randomUniform([outFeatures, inFeatures], low: -bound, high: bound, using: &rng).requiringGrad()
        self.bias = bias ? Tensor.randomUniform([outFeatures], low: -bound, high: bound, using: &rng).requiringGrad() : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { Tensor.linear(x, weight: weight, bias: bias) }

    /// act(x W^T + b) as one op.
    public func callAsFunction(_ x: Tensor, activation: Activation) -> Tensor {
        Tensor.linear(x, weight: weight, bias: bias, activation: activation)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }
}
