// The usual losses, composed from primitives (no backward of their own).

extension Tensor {
    /// Mean squared error mean((a - b)^2) over all elements. Shapes: S, S -> [].
    public static func mseLoss(_ a: Tensor, _ b: Tensor) -> Tensor { (a - b).square().mean() }

    /// Mean absolute error mean(|a - b|) over all elements. Shapes: S, S -> [].
    public static func l1Loss(_ a: Tensor, _ b: Tensor) -> Tensor { (a - b).abs().mean() }

    /// Binary cross-entropy from logits, mean over elements:
    /// softplus(l) - y l = -[y ln sigmoid(l) + (1 - y) ln(1 - sigmoid(l))]. Shapes: S, S -> [].
    public static func binaryCrossEntropy(logits: Tensor, targets: Tensor) -> Tensor {
        (logits.softplus() - targets * logits).mean()
    }
}
