/// A differentiable function with parameters, addressed by stable dotted names.
///
/// Names are relative to the layer (`weight`, `bias`, `0.weight` inside a `Sequential`); a
/// model prefixes them (`encoder.0.weight`), and the same names are the checkpoint keys.
public protocol Layer: AnyObject {
    /// Applies the layer. Each conforming type documents its shapes.
    func callAsFunction(_ x: Tensor) -> Tensor
    /// Parameters with their names relative to this layer, in a fixed order.
    var namedParameters: [(name: String, tensor: Tensor)] { get }
}

extension Layer {
    /// Default: no parameters (activations, reshapes).
    public var namedParameters: [(name: String, tensor: Tensor)] { [] }
    /// All parameter tensors in `namedParameters` order.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }
    /// Number of scalar parameters.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.tensor.count } }
}

/// Prefixes names: `prefixed("encoder", [("0.weight", t)])` -> `[("encoder.0.weight", t)]`.
public func prefixed(_ prefix: String, _ list: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
    list.map { (name: "\(prefix).\($0.name)", tensor: $0.tensor) }
}

/// A layer that can apply the activation that follows it in the same op (`Sequential` fuses
/// such pairs; see `Fusion`).
public protocol ActivationFusing: Layer {
    /// The layer followed by `activation`, as one op. Same shapes as `callAsFunction(_:)`.
    func callAsFunction(_ x: Tensor, activation: Activation) -> Tensor
}

/// An activation layer that an `ActivationFusing` layer before it can absorb.
public protocol FusibleActivation: Layer {
    var activation: Activation { get }
}

/// Applies layers in order; child `i`'s parameters are named `"i.<name>"`.
///
/// A layer that can fuse its activation (`Linear`, `Conv2d`, `ConvTranspose2d`) followed by
/// `ReLU` or `Sigmoid` runs as one op while `Fusion.isEnabled`; the names and parameters are
/// those of the separate layers either way. While fusing, consecutive convolutions (and a
/// flatten and linear after them) also pass images on in the convolutions' own layout
/// (`LayoutPassing`, `ChannelsLastImages`); every other layer gets NCHW tensors.
public final class Sequential: Layer {
    public let layers: [Layer]
    /// For each layer index: the activation of the next layer when the pair can fuse.
    private let fusedActivations: [Activation?]
    /// For each layer index: the layer when it takes a `LayerOutput`.
    private let layoutPassing: [LayoutPassing?]

    public init(_ layers: [Layer]) {
        self.layers = layers
        fusedActivations = layers.indices.map { i in
            guard layers[i] is ActivationFusing, i + 1 < layers.count,
                  let a = layers[i + 1] as? FusibleActivation else { return nil }
            return a.activation
        }
        layoutPassing = layers.map { $0 as? LayoutPassing }
    }
    public convenience init(_ layers: Layer...) { self.init(layers) }

    /// Shapes: those of the first layer's input to the last layer's output.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard Fusion.isEnabled else { return layers.reduce(x) { $1($0) } }
        return forward(.tensor(x)).tensor
    }

    /// The layers on `input` while fusing, images passed on in the convolutions' layout (for a
    /// layer that holds a `Sequential`, such as `Residual`).
    func forward(_ input: LayerOutput) -> LayerOutput {
        var y = input
        var i = 0
        while i < layers.count {
            let activation = fusedActivations[i]
            if let layer = layoutPassing[i] {
                y = layer.forward(y, activation: activation ?? .identity)
            } else if let activation, let layer = layers[i] as? ActivationFusing {
                y = .tensor(layer(y.tensor, activation: activation))
            } else {
                y = .tensor(layers[i](y.tensor))
            }
            i += activation == nil ? 1 : 2
        }
        return y
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { prefixed(String($0.offset), $0.element.namedParameters) }
    }
}
