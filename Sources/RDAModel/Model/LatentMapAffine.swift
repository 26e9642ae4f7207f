import RDACore

/// The first layer of the `spatial` decoder: reshapes a flat latent [N, C h w] into its map
/// [N, C, h, w] and applies one affine map per latent channel,
///
///     y[n, c, i, j] = a_c z[n, c, i, j] + b_c        (a = `scale`, b = `shift`, shapes [C])
///
/// initialised to a = 1, b = 0 (the identity). It exists so that a learned prior N(mu_c, sigma_c)
/// shared over positions standardizes *exactly*: z = mu_c + sigma_c z' folds in as
/// a'_c = a_c sigma_c, b'_c = a_c mu_c + b_c (`Standardization`). Folding mu_c into the first
/// transposed convolution's bias instead would be wrong at the borders, where a transposed
/// convolution of a constant map is not constant. No parameter's shape depends on h or w.
/// Checkpoint names `decoder.0.scale`, `decoder.0.shift`.
public final class LatentMapAffine: Layer {
    /// The map of one example, [C, h, w].
    public let shape: [Int]
    /// a_c, one per latent channel, shape [C].
    public let scale: Tensor
    /// b_c, one per latent channel, shape [C].
    public let shift: Tensor

    /// The identity map (a = 1, b = 0) onto maps of `shape` [C, h, w].
    public init(_ shape: [Int]) {
        precondition(shape.count == 3, "LatentMapAffine needs a [C, h, w] map shape")
        self.shape = shape
        scale = Tensor(shape: [shape[0]], repeating: 1).requiringGrad()
        shift = Tensor(zeros: [shape[0]]).requiringGrad()
    }

    /// The same parameters (the very tensors, shared) onto maps of another `shape` [C, h', w'].
    public init(sharing other: LatentMapAffine, shape: [Int]) {
        precondition(shape.count == 3 && shape[0] == other.shape[0], "LatentMapAffine keeps its channel count")
        self.shape = shape
        scale = other.scale
        shift = other.shift
    }

    /// Shapes: [N, C h w] -> [N, C, h, w].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let z = x.reshaped([x.shape[0]] + shape)
        let perChannel = [1, shape[0], 1, 1]
        return z * scale.reshaped(perChannel) + shift.reshaped(perChannel)
    }

    /// `scale` and `shift`.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        [(name: "scale", tensor: scale), (name: "shift", tensor: shift)]
    }
}
