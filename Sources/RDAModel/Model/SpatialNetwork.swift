import RDACore

/// The fully convolutional encoder and decoder of `Architecture.spatial`, after Balle, Laparra
/// and Simoncelli, "End-to-end optimized image compression" (ICLR 2017) and CompressAI's
/// `FactorizedPrior`:
///
///     encoder  [C_img, H, W] -conv s2-> ReLU ... -conv s2-> [C_out, H/2^k, W/2^k]   (k convolutions)
///     decoder  [C, H/2^k, W/2^k] -a_c z + b_c-> -convT s2-> ReLU ... -convT s2-> sigmoid [C_img, H, W]
///
/// C_out is the latent channels C times the channel's encoder outputs per latent (Gaussian: mu
/// then log-variance, so the first C output channels are mu). Every convolution is 4x4, stride
/// 2, padding 1 (exactly halving an even size; the transposed ones exactly double), which costs
/// 16/25 of the 5x5 kernels of the paper: on a CPU the training budget decides the result. The
/// hidden channel counts are `widths` (k - 1 of them), so the number of downsamplings k is
/// `widths.count + 1`; GDN is left out (plain ReLU). The decoder starts with a per-channel
/// affine map (`LatentMapAffine`, the identity at initialisation) so that a learned Gaussian
/// prior standardizes exactly. No parameter's shape depends on H or W:
/// `RateDistortionAutoencoder.resized(height:width:)` runs the same layers at another size.
public enum SpatialNetwork {
    /// Kernel size of every convolution (4x4).
    public static let kernelSize = 4
    /// Stride of every convolution.
    public static let stride = 2
    /// Zero padding of every convolution.
    public static let padding = 1
    /// The most downsamplings a model may have (2^12 = 4096: larger factors have no images).
    public static let maximumDownsamplings = 12
    /// Downsamplings k when the request names neither them nor the widths.
    public static let defaultDownsamplings = 4
    /// Hidden channels of each layer when the request does not name them.
    public static let defaultWidth = 64
    /// Latent channels C when the request does not name them.
    public static let defaultLatentChannels = 64
    /// The default hidden widths: `defaultWidth` for each of the k - 1 hidden layers.
    public static var defaultWidths: [Int] { [Int](repeating: defaultWidth, count: defaultDownsamplings - 1) }

    /// The downsamplings k of a model with these hidden `widths`.
    public static func downsamplings(widths: [Int]) -> Int { widths.count + 1 }

    /// The factor 2^k an image's height and width must be a multiple of.
    public static func multiple(widths: [Int]) -> Int { 1 << downsamplings(widths: widths) }

    /// The hidden widths for `downsamplings` k and the requested `widths`: none given, the default
    /// width k - 1 times; one width, repeated k - 1 times; else exactly k - 1 of them.
    /// Throws a one-line error naming the options when they disagree.
    public static func resolveWidths(_ widths: [Int]?, downsamplings: Int?) throws -> [Int] {
        if let k = downsamplings, !(1...maximumDownsamplings).contains(k) {
            throw RDAError("‹downsamplings› \(k) must be 1...\(maximumDownsamplings) (each halves the height and width)")
        }
        guard let widths else { return [Int](repeating: defaultWidth, count: (downsamplings ?? defaultDownsamplings) - 1) }
        guard let k = downsamplings else { return widths }
        if widths.count == k - 1 { return widths }
        if widths.count == 1 { return [Int](repeating: widths[0], count: k - 1) }
        throw RDAError("‹arch› spatial with ‹downsamplings› \(k) takes \(k - 1) hidden widths (or one, repeated), got \(widths.count): \(widths)")
    }

    /// The latent map of `channels` channels for examples of `exampleShape` [C, H, W]: positions
    /// (H/2^k)(W/2^k). A shape that is not an image has one position (refused by validation).
    public static func latentShape(exampleShape: [Int], widths: [Int], channels: Int) -> LatentShape {
        guard exampleShape.count == 3 else { return .dense(channels) }
        let k = downsamplings(widths: widths)
        return LatentShape(channels: channels, positions: (exampleShape[1] >> k) * (exampleShape[2] >> k))
    }

    /// Throws unless `exampleShape` is an image [C, H, W] whose height and width are multiples of 2^k.
    public static func checkFits(exampleShape: [Int], widths: [Int]) throws {
        guard downsamplings(widths: widths) <= maximumDownsamplings else {
            throw RDAError("‹arch› spatial with \(widths.count) hidden widths, so \(downsamplings(widths: widths)) downsamplings: at most \(maximumDownsamplings)")
        }
        let m = multiple(widths: widths)
        guard exampleShape.count == 3, exampleShape[1] % m == 0, exampleShape[2] % m == 0, exampleShape[1] >= m, exampleShape[2] >= m else {
            throw RDAError("‹arch› spatial with \(downsamplings(widths: widths)) downsamplings needs images whose height and width are multiples of \(m); the examples have shape \(exampleShape) (crop or pad them, or use fewer ‹downsamplings›)")
        }
    }

    /// The channel counts of the k convolutions: image channels, the widths, then `outputs`.
    static func channels(image c: Int, widths: [Int], outputs: Int) -> [Int] { [c] + widths + [outputs] }

    /// The encoder [N, C_img H W] -> [N, encoderOutputs (H/2^k)(W/2^k)] and the decoder
    /// [N, C (H/2^k)(W/2^k)] -> [N, m C_img H W] (layer indices as in `nn.Sequential`), m the
    /// decoder's outputs per pixel value (`outputsPerDimension`: 2 for the discretized logistic,
    /// whose last convolution gives C_img mean channels then C_img log-scale channels, so the
    /// flattened output is the D means then the D log-scales, as for the other architectures).
    static func build(exampleShape: [Int], latentChannels: Int, encoderOutputs: Int, widths: [Int],
                      outputsPerDimension m: Int = 1, sigmoidOutput: Bool, rng: inout SeededGenerator) -> (encoder: Sequential, decoder: Sequential) {
        precondition(exampleShape.count == 3, "spatial needs [C, H, W] examples")
        let down = channels(image: exampleShape[0], widths: widths, outputs: encoderOutputs)
        var enc: [Layer] = [Reshape(exampleShape)]
        for i in 0..<(down.count - 1) {
            enc.append(Conv2d(down[i], down[i + 1], kernelSize: kernelSize, stride: stride, padding: padding, rng: &rng))
            if i + 2 < down.count { enc.append(ReLU()) }
        }
        enc.append(Flatten())
        let up = channels(image: exampleShape[0] * m, widths: widths, outputs: latentChannels).reversed().map { $0 }
        var dec: [Layer] = [LatentMapAffine(latentMapShape(exampleShape: exampleShape, widths: widths, channels: latentChannels))]
        for i in 0..<(up.count - 1) {
            dec.append(ConvTranspose2d(up[i], up[i + 1], kernelSize: kernelSize, stride: stride, padding: padding, rng: &rng))
            if i + 2 < up.count { dec.append(ReLU()) }
        }
        if sigmoidOutput { dec.append(Sigmoid()) }
        dec.append(Flatten())
        return (Sequential(enc), Sequential(dec))
    }

    /// [C, H/2^k, W/2^k]: the latent map of one example.
    static func latentMapShape(exampleShape: [Int], widths: [Int], channels: Int) -> [Int] {
        let k = downsamplings(widths: widths)
        return [channels, exampleShape[1] >> k, exampleShape[2] >> k]
    }

    /// The same layers (the very parameter tensors) for examples of `exampleShape`: only the
    /// leading reshapes of the encoder and the decoder change.
    static func reshaped(_ encoder: Sequential, _ decoder: Sequential, exampleShape: [Int], widths: [Int],
                         latentChannels: Int) -> (encoder: Sequential, decoder: Sequential) {
        let enc = [Reshape(exampleShape)] + encoder.layers.dropFirst()
        let map = latentMapShape(exampleShape: exampleShape, widths: widths, channels: latentChannels)
        let first: Layer = (decoder.layers.first as? LatentMapAffine).map { LatentMapAffine(sharing: $0, shape: map) } ?? Reshape(map)
        let dec = [first] + decoder.layers.dropFirst()
        return (Sequential(Array(enc)), Sequential(Array(dec)))
    }

    /// The encoder's and decoder's parameter shapes under their checkpoint names: Conv2d weight
    /// [out, in, 4, 4], ConvTranspose2d weight [in, out, 4, 4], biases [out], the decoder's
    /// per-channel affine map `decoder.0.scale` and `decoder.0.shift` [C]. None depends on H or W.
    /// The decoder's last convolution has m C_img outputs (`outputsPerDimension`).
    static func parameterShapes(imageChannels c: Int, latentChannels: Int, encoderOutputs: Int, widths: [Int],
                                outputsPerDimension m: Int = 1) -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        let s = kernelSize
        let down = channels(image: c, widths: widths, outputs: encoderOutputs)
        for i in 0..<(down.count - 1) {
            shapes["encoder.\(1 + 2 * i).weight"] = [down[i + 1], down[i], s, s]
            shapes["encoder.\(1 + 2 * i).bias"] = [down[i + 1]]
        }
        let up = Array(channels(image: c * m, widths: widths, outputs: latentChannels).reversed())
        shapes["decoder.0.scale"] = [latentChannels]
        shapes["decoder.0.shift"] = [latentChannels]
        for i in 0..<(up.count - 1) {
            shapes["decoder.\(1 + 2 * i).weight"] = [up[i], up[i + 1], s, s]
            shapes["decoder.\(1 + 2 * i).bias"] = [up[i + 1]]
        }
        return shapes
    }

    /// Floats of one example's forward activations: every layer's output and the padded copy
    /// each convolution reads, over the encoder and the decoder.
    static func activationsPerExample(exampleShape: [Int], latentChannels: Int, encoderOutputs: Int, widths: [Int]) -> Int? {
        guard exampleShape.count == 3 else { return nil }
        let (h, w) = (exampleShape[1], exampleShape[2])
        let down = channels(image: exampleShape[0], widths: widths, outputs: encoderOutputs)
        var total = 0
        for (i, ch) in down.enumerated() {
            let plane = (h >> i) * (w >> i)
            // the encoder's tensor at this level, its padded copy, the decoder's twin and its output
            let (p, o) = (ch * plane).multipliedReportingOverflow(by: 6)
            if o { return nil }
            let (t, o2) = total.addingReportingOverflow(p)
            if o2 { return nil }
            total = t
        }
        return total
    }
}
