import RDACore

/// The encoder and decoder of `Architecture.resnet`: `conv`'s two strided convolutions with
/// residual blocks after each (He, Zhang, Ren and Sun, "Deep residual learning for image
/// recognition", CVPR 2016) and a hidden fully connected layer between the feature map and the
/// latent (docs/resnet.md):
///
///     encoder  conv 4x4 s2 (C -> c1), ReLU, n x block(c1), conv 4x4 s2 (c1 -> c2), ReLU, n x block(c2),
///              flatten, linear (c2 (H/4)(W/4) -> h), ReLU, linear (h -> encoder outputs)
///     decoder  linear (K -> h), ReLU, linear (h -> c2 (H/4)(W/4)), ReLU, reshape, n x block(c2),
///              convT 4x4 s2 (c2 -> c1), ReLU, n x block(c1), convT 4x4 s2 (c1 -> C m), [sigmoid], flatten
///     block(c) y = ReLU(x + conv 3x3 p1 (c -> c) (ReLU(conv 3x3 p1 (c -> c) (x))))   (`Residual`)
///
/// m is the decoder's outputs per pixel value (2 for the discretized logistic: C mean channels,
/// then C log-scale channels). Layer indices are those of `nn.Sequential`, a block's convolutions
/// `i.0` and `i.2` (`encoder.3.0.weight`). Images need heights and widths that are multiples of 4.
public enum ResNetwork {
    /// Channels c1, c2 of the two resolutions when the request does not name them.
    public static let defaultWidths = [16, 32]
    /// Residual blocks n at each resolution when the request does not name them.
    public static let defaultResBlocks = 1
    /// Width h of the hidden fully connected layer when the request does not name it.
    public static let defaultHidden = 256
    /// The most residual blocks per resolution a model may have.
    public static let maximumResBlocks = 64

    /// One layer of the plan both `build` and `parameterShapes` read, so that they agree.
    enum Step {
        case conv(Int, Int, kernel: Int, stride: Int, padding: Int)
        case convTranspose(Int, Int)
        case linear(Int, Int)
        case relu, sigmoid, flatten
        case reshape([Int])
        /// A residual block of c channels.
        case block(Int)
    }

    /// The sizes a plan is made from.
    struct Sizes {
        let c: Int, h: Int, w: Int, c1: Int, c2: Int, blocks: Int, hidden: Int
        /// Features of the smaller feature map, c2 (H/4)(W/4).
        let flat: Int
    }

    /// Throws a one-line error unless `exampleShape` is an image [C, H, W] with H and W multiples
    /// of 4, there are two `widths`, and `resBlocks` and `hidden` are in range.
    public static func check(exampleShape: [Int], widths: [Int], resBlocks: Int, hidden: Int) throws {
        guard exampleShape.count == 3, exampleShape[1] % 4 == 0, exampleShape[2] % 4 == 0, exampleShape[1] >= 4, exampleShape[2] >= 4 else {
            throw RDAError("‹arch› resnet needs images whose height and width are multiples of 4; the examples have shape \(exampleShape) (use ‹arch› mlp)")
        }
        guard widths.count == 2 else { throw RDAError("‹arch› resnet takes two channel widths c1,c2 (e.g. ‹widths› \(defaultWidths.map(String.init).joined(separator: ","))), got \(widths)") }
        try checkOptions(resBlocks: resBlocks, hidden: hidden)
    }

    /// Throws a one-line error unless `resBlocks` is 0...`maximumResBlocks` and `hidden` is positive.
    public static func checkOptions(resBlocks: Int?, hidden: Int?) throws {
        if let n = resBlocks, !(0...maximumResBlocks).contains(n) {
            throw RDAError("‹res-blocks› \(n) must be 0...\(maximumResBlocks) (residual blocks at each of the two resolutions)")
        }
        if let h = hidden, !(1...CheckpointValidation.maximumDimension).contains(h) {
            throw RDAError("‹hidden› \(h) must be 1...\(CheckpointValidation.maximumDimension) (the width of the fully connected layer beside the latent)")
        }
    }

    /// The sizes of a model for `exampleShape` [C, H, W], nil when a size overflows.
    static func sizes(exampleShape: [Int], widths: [Int], resBlocks: Int, hidden: Int) -> Sizes? {
        let (c, h, w) = (exampleShape[0], exampleShape[1], exampleShape[2])
        guard let flat = CheckpointValidation.product([widths[1], h / 4, w / 4]) else { return nil }
        return Sizes(c: c, h: h, w: w, c1: widths[0], c2: widths[1], blocks: resBlocks, hidden: hidden, flat: flat)
    }

    /// The encoder's layers in order (see the type's comment).
    static func encoderPlan(_ s: Sizes, outputs: Int) -> [Step] {
        [.reshape([s.c, s.h, s.w]), .conv(s.c, s.c1, kernel: 4, stride: 2, padding: 1), .relu]
            + [Step](repeating: .block(s.c1), count: s.blocks)
            + [.conv(s.c1, s.c2, kernel: 4, stride: 2, padding: 1), .relu]
            + [Step](repeating: .block(s.c2), count: s.blocks)
            + [.flatten, .linear(s.flat, s.hidden), .relu, .linear(s.hidden, outputs)]
    }

    /// The decoder's layers in order, from K latents to m C output channels.
    static func decoderPlan(_ s: Sizes, latents k: Int, outputsPerDimension m: Int, sigmoidOutput: Bool) -> [Step] {
        [.linear(k, s.hidden), .relu, .linear(s.hidden, s.flat), .relu, .reshape([s.c2, s.h / 4, s.w / 4])]
            + [Step](repeating: .block(s.c2), count: s.blocks)
            + [.convTranspose(s.c2, s.c1), .relu]
            + [Step](repeating: .block(s.c1), count: s.blocks)
            + [.convTranspose(s.c1, s.c * m)] + (sigmoidOutput ? [.sigmoid] : []) + [.flatten]
    }

    /// The encoder [N, C H W] -> [N, encoderOutputs] and the decoder [N, K] -> [N, m C H W],
    /// initialized as PyTorch initializes each layer, in layer order (encoder first).
    static func build(exampleShape: [Int], latentDim k: Int, encoderOutputs: Int, widths: [Int], resBlocks: Int, hidden: Int,
                      outputsPerDimension m: Int, sigmoidOutput: Bool, rng: inout SeededGenerator) -> (encoder: Sequential, decoder: Sequential) {
        precondition(exampleShape.count == 3 && widths.count == 2, "resnet needs [C, H, W] examples and two channel widths")
        let s = sizes(exampleShape: exampleShape, widths: widths, resBlocks: resBlocks, hidden: hidden)!
        func layers(_ plan: [Step]) -> [Layer] {
            plan.indices.map { i in
                let l = layer(plan[i], rng: &rng)
                if i + 1 < plan.count, case .relu = plan[i + 1] { heScale(l) }
                return l
            }
        }
        let encoder = Sequential(layers(encoderPlan(s, outputs: encoderOutputs)))
        let decoder = Sequential(layers(decoderPlan(s, latents: k, outputsPerDimension: m, sigmoidOutput: sigmoidOutput)))
        return (encoder, decoder)
    }

    /// sqrt(6): PyTorch's default bound 1/sqrt(fan_in) times this is He's bound sqrt(6/fan_in).
    static let heGain = Float(6).squareRoot()

    /// Scales the weight of a layer that a ReLU follows from PyTorch's default initialization,
    /// uniform on +-1/sqrt(fan_in), to He's, uniform on +-sqrt(6/fan_in) (`kaiming_uniform_` with
    /// `nonlinearity='relu'`; He, Zhang, Ren and Sun 2015, "Delving deep into rectifiers"), which
    /// keeps the signal's variance through the layers. With the default, each layer and ReLU
    /// shrank it about 6 times, the latent hardly depended on the image at the start, and
    /// training sat at rate 0 (posterior collapse) on some seeds (docs/resnet.md). Biases stay.
    static func heScale(_ layer: Layer) {
        guard let weight = layer.namedParameters.first(where: { $0.name == "weight" })?.tensor else { return }
        let w = weight.data
        for i in 0..<weight.count { w[i] *= heGain }
    }

    /// A residual block of `c` channels: conv 3x3 p1, ReLU, conv 3x3 p1 inside, ReLU after the sum.
    /// The second convolution starts at zero (weight and bias; its PyTorch draws are still made,
    /// so the other layers' initial values do not depend on it), so that every block starts as
    /// the identity and a deep model trains like a shallow one at first (Goyal et al. 2017,
    /// "Accurate, large minibatch SGD"; Zhang, Dauphin and Ma 2019, "Fixup"): with PyTorch's
    /// initialization alone, two blocks per resolution collapsed to rate 0 on MNIST (docs/resnet.md).
    static func block(_ c: Int, rng: inout SeededGenerator) -> Residual {
        let first = Conv2d(c, c, kernelSize: 3, padding: 1, rng: &rng)
        let last = Conv2d(c, c, kernelSize: 3, padding: 1, rng: &rng)
        heScale(first)
        for t in last.parameters { t.data.update(repeating: 0, count: t.count) }
        return Residual(Sequential(first, ReLU(), last), activation: .relu)
    }

    static func layer(_ step: Step, rng: inout SeededGenerator) -> Layer {
        switch step {
        case let .conv(i, o, k, st, p): return Conv2d(i, o, kernelSize: k, stride: st, padding: p, rng: &rng)
        case let .convTranspose(i, o): return ConvTranspose2d(i, o, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
        case let .linear(i, o): return Linear(i, o, rng: &rng)
        case .relu: return ReLU()
        case .sigmoid: return Sigmoid()
        case .flatten: return Flatten()
        case .reshape(let shape): return Reshape(shape)
        case .block(let c): return block(c, rng: &rng)
        }
    }

    /// Every encoder and decoder tensor's shape under its checkpoint name (Conv2d [out, in, k, k],
    /// ConvTranspose2d [in, out, k, k], Linear [out, in], biases [out]), from the sizes alone.
    /// Throws a one-line error when the configuration does not fit (`check`) or overflows.
    static func parameterShapes(exampleShape: [Int], widths: [Int], resBlocks: Int, hidden: Int, latentDim k: Int,
                                encoderOutputs: Int, outputsPerDimension m: Int) throws -> [String: [Int]] {
        try check(exampleShape: exampleShape, widths: widths, resBlocks: resBlocks, hidden: hidden)
        guard let s = sizes(exampleShape: exampleShape, widths: widths, resBlocks: resBlocks, hidden: hidden) else {
            throw RDAError("‹arch› resnet for \(exampleShape) with ‹widths› \(widths) is too large to be real")
        }
        var shapes: [String: [Int]] = [:]
        func add(_ prefix: String, _ plan: [Step]) {
            for (index, step) in plan.enumerated() {
                let name = "\(prefix).\(index)"
                switch step {
                case let .conv(i, o, k, _, _): shapes["\(name).weight"] = [o, i, k, k]; shapes["\(name).bias"] = [o]
                case let .convTranspose(i, o): shapes["\(name).weight"] = [i, o, 4, 4]; shapes["\(name).bias"] = [o]
                case let .linear(i, o): shapes["\(name).weight"] = [o, i]; shapes["\(name).bias"] = [o]
                case .block(let c):
                    for inner in [0, 2] { shapes["\(name).\(inner).weight"] = [c, c, 3, 3]; shapes["\(name).\(inner).bias"] = [c] }
                case .relu, .sigmoid, .flatten, .reshape: break
                }
            }
        }
        add("encoder", encoderPlan(s, outputs: encoderOutputs))
        add("decoder", decoderPlan(s, latents: k, outputsPerDimension: m, sigmoidOutput: false))
        return shapes
    }

    /// Floats of one example's forward activations, roughly: every layer's output at each
    /// resolution (a block keeps four: two convolutions' outputs, the sum, a padded copy), both
    /// networks; nil on overflow or for a shape that is not an image.
    static func activationsPerExample(exampleShape: [Int], widths: [Int], resBlocks: Int, hidden: Int, latentDim k: Int) -> Int? {
        guard exampleShape.count == 3, widths.count == 2 else { return nil }
        let (c, h, w) = (exampleShape[0], exampleShape[1], exampleShape[2])
        let half = MemoryEstimate.multiply([widths[0], h / 2, w / 2]), quarter = MemoryEstimate.multiply([widths[1], h / 4, w / 4])
        // per resolution: the strided convolution's output and its padded input, plus 4 per block; twice (encoder, decoder)
        let perMap = MemoryEstimate.sum([2, MemoryEstimate.multiply([4, resBlocks])])
        return MemoryEstimate.sum([MemoryEstimate.multiply([6, c, h, w]), MemoryEstimate.multiply([2, perMap, half]),
                                   MemoryEstimate.multiply([2, perMap, quarter]), MemoryEstimate.multiply([4, hidden]),
                                   MemoryEstimate.multiply([4, k])])
    }
}
