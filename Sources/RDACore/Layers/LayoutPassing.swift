/// A layer that `Sequential` hands its input as a `LayerOutput` (a tensor or images in the
/// convolutions' layout, see `ChannelsLastImages`), and that hands its output on the same way.
/// Every other layer gets tensors.
protocol LayoutPassing: Layer {
    /// The layer, followed by `activation` (`.identity` for none; layers that cannot fuse one
    /// are only ever given `.identity`). Same shapes as `callAsFunction(_:)`.
    func forward(_ x: LayerOutput, activation: Activation) -> LayerOutput
}

extension Conv2d: LayoutPassing {
    /// Reads images a convolution produced channels-last as they are; hands its result on
    /// channels-last when it comes out so.
    func forward(_ x: LayerOutput, activation: Activation) -> LayerOutput {
        Convolutions.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, activation: activation)
    }
}

extension ConvTranspose2d: LayoutPassing {
    /// Reads images a convolution produced channels-last as they are; hands its result on
    /// channels-last when it comes out so.
    func forward(_ x: LayerOutput, activation: Activation) -> LayerOutput {
        Convolutions.convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                                     outputPadding: outputPadding, activation: activation)
    }
}

extension Flatten: LayoutPassing {
    /// Images whose NCHW values are pending stay so, flattened (for a `Linear` after it).
    func forward(_ x: LayerOutput, activation: Activation) -> LayerOutput {
        if case .images(let images) = x, images.isPending { return .flattenedImages(images) }
        return .tensor(self(x.tensor))
    }
}

extension Linear: LayoutPassing {
    /// Flattened images whose NCHW values were never made (no gradients) are multiplied
    /// channels-last (`ChannelsLastImages.flattenedLinear`).
    func forward(_ x: LayerOutput, activation: Activation) -> LayerOutput {
        if case .flattenedImages(let images) = x, images.isPending, !GradMode.isEnabled {
            return .tensor(images.flattenedLinear(weight: weight, bias: bias, activation: activation))
        }
        return .tensor(self(x.tensor, activation: activation))
    }
}
