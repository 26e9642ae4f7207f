/// Everything needed to rebuild a model: stored in the checkpoint's metadata as JSON.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var arch: Architecture
    /// Shape of one example: [D] or [C, H, W].
    public var exampleShape: [Int]
    public var latentDim: Int
    /// Hidden sizes (mlp) or channels (conv).
    public var widths: [Int]
    public var prior: Prior.Kind
    public var distortion: DistortionKind
    public var lambda: Double
    /// Whether the decoder ends in a sigmoid (image data).
    public var sigmoidOutput: Bool
    /// The data the model was trained on (`mnist`, `gaussian:4,2,1`, a folder).
    public var data: String

    public init(arch: Architecture, exampleShape: [Int], latentDim: Int, widths: [Int], prior: Prior.Kind,
                distortion: DistortionKind, lambda: Double, sigmoidOutput: Bool, data: String) {
        self.arch = arch; self.exampleShape = exampleShape; self.latentDim = latentDim; self.widths = widths
        self.prior = prior; self.distortion = distortion; self.lambda = lambda
        self.sigmoidOutput = sigmoidOutput; self.data = data
    }

    /// Number of dimensions D of one example.
    public var dimensions: Int { exampleShape.reduce(1, *) }
}
