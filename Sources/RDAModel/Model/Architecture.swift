import RDACore

/// Encoder/decoder families, by name.
public enum Architecture: String, Codable, CaseIterable, Sendable {
    /// Affine encoder y -> (mu, logvar) and affine decoder z -> y_hat (no output nonlinearity):
    /// the right model for Gaussian sources, and the one that reaches the Gaussian R(D).
    case linear
    /// D - h1 - h2 -> 2K and K - h2 - h1 - D with ReLU (default widths 512, 256).
    case mlp
    /// conv(C->c1, k4 s2 p1), ReLU, conv(c1->c2, k4 s2 p1), ReLU, flatten, linear -> 2K; the decoder
    /// mirrors it with transposed convolutions (default channels 32, 64). Needs images whose
    /// height and width are multiples of 4.
    case conv
    /// Fully convolutional (`SpatialNetwork`): k strided convolutions (k4 s2 p1, ReLU) down to a
    /// latent map of C channels at 1/2^k of the height and width, and k transposed convolutions
    /// back up, after Balle, Laparra and Simoncelli, "End-to-end optimized image compression"
    /// (ICLR 2017). `widths` are the k - 1 hidden channel counts (so k = widths + 1), `latentDim`
    /// is C; no parameter's shape depends on the image size, so one model codes any size.
    case spatial
    /// `conv` with residual blocks: conv(C->c1, k4 s2 p1), ReLU, n residual blocks, conv(c1->c2,
    /// k4 s2 p1), ReLU, n blocks, flatten, linear -> h, ReLU, linear -> 2K; the decoder mirrors
    /// it (`ResNetwork`; default channels 16, 32, one block, h 256). Images whose height and width
    /// are multiples of 4.
    case resnet

    /// Default widths: hidden sizes (mlp) or channels (conv).
    public var defaultWidths: [Int] {
        switch self {
        case .linear: return []
        case .mlp: return [512, 256]
        case .conv: return [32, 64]
        case .spatial: return SpatialNetwork.defaultWidths
        case .resnet: return ResNetwork.defaultWidths
        }
    }
}

/// Builds the encoder and decoder networks. Layer indices follow PyTorch's `nn.Sequential` of
/// the reference models, so parameter names (`encoder.1.weight`) match theirs.
enum NetworkBuilder {
    /// - Parameters:
    ///   - exampleShape: [D] for vectors, [C, H, W] for images.
    ///   - sigmoidOutput: end the decoder in a sigmoid (pixels in [0, 1]).
    ///   - outputsPerDimension: decoder outputs per data dimension (2 for the discretized logistic:
    ///     the D means, then the D log-scales; for conv and spatial, output channels 0..<C then C..<2C).
    ///   - encoderOutputs: what the bottleneck needs from the encoder (2K for the Gaussian
    ///     channel: mu then logvar; K for the quantized one).
    /// - Returns: encoder [N, D] -> [N, encoderOutputs], decoder [N, K] -> [N, D x outputsPerDimension].
    static func build(_ arch: Architecture, exampleShape: [Int], latentDim k: Int, encoderOutputs: Int, widths: [Int],
                      outputsPerDimension m: Int = 1, sigmoidOutput: Bool, resBlocks: Int = ResNetwork.defaultResBlocks,
                      hidden: Int = ResNetwork.defaultHidden, rng: inout SeededGenerator) -> (encoder: Sequential, decoder: Sequential) {
        let d = exampleShape.reduce(1, *)
        switch arch {
        case .linear:
            return (Sequential(Linear(d, encoderOutputs, rng: &rng)), Sequential(Linear(k, d * m, rng: &rng)))
        case .mlp:
            var enc: [Layer] = [], dec: [Layer] = []
            var width = d
            for h in widths { enc += [Linear(width, h, rng: &rng), ReLU()]; width = h }
            enc.append(Linear(width, encoderOutputs, rng: &rng))
            width = k
            for h in widths.reversed() { dec += [Linear(width, h, rng: &rng), ReLU()]; width = h }
            dec.append(Linear(width, d * m, rng: &rng))
            if sigmoidOutput { dec.append(Sigmoid()) }
            return (Sequential(enc), Sequential(dec))
        case .conv:
            precondition(exampleShape.count == 3 && widths.count == 2, "conv needs [C, H, W] examples and two channel widths")
            let (c, h, w) = (exampleShape[0], exampleShape[1], exampleShape[2])
            let (c1, c2) = (widths[0], widths[1])
            let flat = c2 * (h / 4) * (w / 4)
            let enc: [Layer] = [
                Reshape([c, h, w]),
                Conv2d(c, c1, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
                Conv2d(c1, c2, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
                Flatten(), Linear(flat, encoderOutputs, rng: &rng),
            ]
            var dec: [Layer] = [
                Linear(k, flat, rng: &rng), ReLU(), Reshape([c2, h / 4, w / 4]),
                ConvTranspose2d(c2, c1, kernelSize: 4, stride: 2, padding: 1, rng: &rng), ReLU(),
                ConvTranspose2d(c1, c * m, kernelSize: 4, stride: 2, padding: 1, rng: &rng),
            ]
            if sigmoidOutput { dec.append(Sigmoid()) }
            dec.append(Flatten())
            return (Sequential(enc), Sequential(dec))
        case .spatial:
            return SpatialNetwork.build(exampleShape: exampleShape, latentChannels: k, encoderOutputs: encoderOutputs,
                                        widths: widths, outputsPerDimension: m, sigmoidOutput: sigmoidOutput, rng: &rng)
        case .resnet:
            return ResNetwork.build(exampleShape: exampleShape, latentDim: k, encoderOutputs: encoderOutputs, widths: widths,
                                    resBlocks: resBlocks, hidden: hidden, outputsPerDimension: m, sigmoidOutput: sigmoidOutput, rng: &rng)
        }
    }
}
