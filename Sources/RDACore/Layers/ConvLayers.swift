/// 2-D convolution layer over NCHW images.
///
/// Shapes: x [N, in, H, W] -> [N, out, OH, OW], OH = (H + 2 padding - k) / stride + 1;
/// weight [out, in, k, k], bias [out].
/// Initialization (PyTorch's default): W and b uniform on [-1/sqrt(fanIn), 1/sqrt(fanIn)],
/// fanIn = in * k * k.
public final class Conv2d: ActivationFusing {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true, rng: inout SeededGenerator) {
        require(inChannels >= 1 && outChannels >= 1 && kernelSize >= 1, "Conv2d(\(inChannels), \(outChannels), k\(kernelSize)): sizes must be positive")
        self.stride = stride; self.padding = padding
        let bound = 1 / Float(inChannels * kernelSize * kernelSize).squareRoot()
        weight = Tensor.randomUniform([outChannels, inChannels, kernelSize, kernelSize], low: -bound, high: bound, using: &rng).requiringGrad()
        self.bias = bias ? Tensor.randomUniform([outChannels], low: -bound, high: bound, using: &rng).requiringGrad() : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    /// act(conv2d(x)) as one op.
    public func callAsFunction(_ x: Tensor, activation: Activation) -> Tensor {
        Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, activation: activation)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }
}

/// Transposed 2-D convolution layer over NCHW images.
///
/// Shapes: x [N, in, H, W] -> [N, out, OH, OW], OH = (H - 1) stride - 2 padding + k + outputPadding;
/// weight [in, out, k, k] (PyTorch's layout), bias [out].
/// Initialization (PyTorch's default): uniform on [-1/sqrt(fanIn), 1/sqrt(fanIn)] where PyTorch
/// computes fanIn from the weight's second axis: fanIn = out * k * k.
public final class ConvTranspose2d: ActivationFusing {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int, outputPadding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0, bias: Bool = true, rng: inout SeededGenerator) {
        require(inChannels >= 1 && outChannels >= 1 && kernelSize >= 1, "ConvTranspose2d(\(inChannels), \(outChannels), k\(kernelSize)): sizes must be positive")
        self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
        let bound = 1 / Float(outChannels * kernelSize * kernelSize).squareRoot()
        weight = Tensor.randomUniform([inChannels, outChannels, kernelSize, kernelSize], low: -bound, high: bound, using: &rng).requiringGrad()
        self.bias = bias ? Tensor.randomUniform([outChannels], low: -bound, high: bound, using: &rng).requiringGrad() : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding)
    }

    /// act(convTranspose2d(x)) as one op.
    public func callAsFunction(_ x: Tensor, activation: Activation) -> Tensor {
        Tensor.convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                               outputPadding: outputPadding, activation: activation)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }
}
