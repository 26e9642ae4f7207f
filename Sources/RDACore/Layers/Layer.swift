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

/// Applies layers in order; child `i`'s parameters are named `"i.<name>"`.
public final class Sequential: Layer {
    public let layers: [Layer]
    public init(_ layers: [Layer]) { self.layers = layers }
    public convenience init(_ layers: Layer...) { self.init(layers) }

    /// Shapes: those of the first layer's input to the last layer's output.
    public func callAsFunction(_ x: Tensor) -> Tensor { layers.reduce(x) { $1($0) } }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { prefixed(String($0.offset), $0.element.namedParameters) }
    }
}
