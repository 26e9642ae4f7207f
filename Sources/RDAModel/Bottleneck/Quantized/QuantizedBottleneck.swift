import Foundation
import RDACoding
import RDACore

/// Quantized latents with a learned discrete prior: the compression RDA
///
///     L = E_y [ -ln P(z~(y)) + lambda * d(y, y_hat(z~(y))) ],   z~ = round(y_enc),
///
/// where the encoder outputs K latents y_enc and P is the per-dimension logistic-mixture prior of
/// `LogisticMixturePrior` discretized to the integers. Rounding has no useful gradient, so training
/// uses the additive-uniform-noise proxy z = y_enc + u, u ~ U(-1/2, 1/2), with the rate -ln of the
/// prior's mass over [z - 1/2, z + 1/2]: at integer z exactly the code length of z, so the training
/// rate estimates the coded rate. Evaluation and coding use z~ = round(y_enc); when training ends
/// the prior is turned into integer frequency tables (`CodingTables`) that the entropy coder and
/// `rda sample` use, so decoding does no floating point on probabilities.
public final class QuantizedBottleneck: EntropyCodingChannel {
    /// y, the latent before rounding.
    public static let encoderOutputsPerLatent = 1
    /// Mixture components per dimension when the configuration does not say.
    public static let defaultComponents = 3
    /// Latents are clamped to +-2^30 before rounding, so that every symbol fits an Int32.
    public static let latentLimit: Float = 1_073_741_824   // 2^30

    /// K, the number of latent dimensions (channels times positions).
    public let latentDim: Int
    /// The latent's channels and positions (the prior is per channel).
    public let latent: LatentShape
    /// Mixture weights' logits, locations and log-scales per latent channel, [C, M] each.
    public let logits: Tensor, loc: Tensor, logScale: Tensor
    /// The integer tables, one per latent channel, derived by `finalize` (or read from the model file).
    public private(set) var tables: CodingTables? { didSet { expanded = nil } }
    /// `tables` repeated over each channel's positions (one per latent dimension), when made.
    private var expanded: CodingTables?

    /// A quantized channel of `k` dense dimensions whose prior mixes `m` logistics per dimension.
    public convenience init(latentDim k: Int, components m: Int) { self.init(latent: .dense(k), components: m) }

    /// A quantized channel for `latent` whose prior mixes `m` logistics per latent channel,
    /// shared over the channel's positions.
    public init(latent: LatentShape, components m: Int) {
        self.latent = latent
        latentDim = latent.count
        let k = latent.channels
        logits = Tensor(zeros: [k, m]).requiringGrad()
        // components spread over [-2, 2], unit scale: a broad start the encoder's outputs fall into
        loc = Tensor(shape: [k, m], values: (0..<(k * m)).map { i in m == 1 ? 0 : Float(-2 + 4 * Double(i % m) / Double(m - 1)) }).requiringGrad()
        logScale = Tensor(zeros: [k, m]).requiringGrad()
    }

    /// Logistic components per latent dimension.
    public var components: Int { logits.shape[1] }

    /// u ~ U(-1/2, 1/2), [rows, K], in training; none otherwise.
    public func drawNoise(rows: Int, mode: BottleneckMode, using rng: inout SeededGenerator) -> Tensor? {
        switch mode {
        case .training: return Tensor.randomUniform([rows, latentDim], low: -0.5, high: 0.5, using: &rng)
        case .evaluation, .noiseless: return nil
        }
    }

    /// Shapes: h [N, K] -> z [N, K] (training y + u; evaluation round(y); noiseless y), rate [N]
    /// (-ln P of the noisy latent in training, of round(y) otherwise).
    public func transmit(_ h: Tensor, noise: Tensor?, mode: BottleneckMode) -> BottleneckOutput {
        let r: Tensor, z: Tensor
        switch mode {
        case .training:
            guard let noise else { preconditionFailure("the quantized channel needs uniform noise in training") }
            z = h + noise
            r = rate(z)
        case .evaluation:
            z = Self.quantize(h)
            r = rate(z)
        case .noiseless:
            z = h
            r = rate(Self.quantize(h))
        }
        return BottleneckOutput(z: z, rate: r, noiseless: h)
    }

    /// -ln P(z) per example under the prior of each dimension's channel (`LogisticMixturePrior.rate`).
    /// Shapes: [N, K] -> [N].
    func rate(_ z: Tensor) -> Tensor {
        let p = latent.positions
        return LogisticMixturePrior.rate(z, logits: logits.repeatingEachRow(p), loc: loc.repeatingEachRow(p),
                                         logScale: logScale.repeatingEachRow(p))
    }

    /// -ln P_k(z_k) per latent channel (a map's channel summed over its positions), summed over
    /// the examples of z. Shapes: [N, K] -> C values.
    func ratePerChannel(_ z: Tensor) -> [Double] {
        let p = latent.positions
        let perDimension = LogisticMixturePrior.ratePerDimension(z, logits: logits.repeatingEachRow(p), loc: loc.repeatingEachRow(p),
                                                                 logScale: logScale.repeatingEachRow(p))
        guard p > 1 else { return perDimension }
        var out = [Double](repeating: 0, count: latent.channels)
        for (j, r) in perDimension.enumerated() { out[j / p] += r }
        return out
    }

    /// z~ = round(y) (halves away from zero), clamped to +-`latentLimit`; the gradient passes
    /// straight through. Shapes: [N, K] -> [N, K].
    public static func quantize(_ y: Tensor) -> Tensor {
        let count = y.count, p = y.data, limit = latentLimit
        return Tensor.custom(shape: y.shape, inputs: [y], forward: { out in
            for i in 0..<count {
                let v = p[i]
                out[i] = v.isNaN ? 0 : Swift.min(Swift.max(v, -limit), limit).rounded()
            }
        }, backward: { g in
            guard y.requiresGrad else { return }
            let sink = y.gradientSink()
            for i in 0..<count { sink.put(i, g[i]) }
        })
    }

    /// The integer symbols z~ of latents that are already integers. Shapes: [N, K] -> N * K values.
    public static func symbols(_ z: Tensor) -> [Int32] {
        (0..<z.count).map { Int32(z.data[$0]) }
    }

    /// The integer symbols of evaluation-mode latents (`symbols`). Shapes: [N, K] -> N * K values.
    public func symbols(_ z: Tensor) -> [Int32] { Self.symbols(z) }

    /// The latents of rows of K symbols. Shapes: N rows of K -> [N, K].
    public func latents(_ symbols: [[Int32]]) -> Tensor {
        let k = latentDim
        let z = Tensor(zeros: [symbols.count, k])
        for (r, row) in symbols.enumerated() { for j in 0..<k { z.data[r * k + j] = Float(row[j]) } }
        return z
    }

    /// Integer latents drawn from the integer tables (the discrete prior). Shapes: -> [count, K].
    public func samplePrior(count: Int, using rng: inout SeededGenerator) -> Tensor {
        let t = codingTables
        let out = Tensor(zeros: [count, latentDim])
        for i in 0..<count {
            for k in 0..<latentDim { out.data[i * latentDim + k] = Float(t.sample(dimension: k, using: &rng)) }
        }
        return out
    }

    /// The tables of every latent dimension (each channel's over its positions), derived now from
    /// the float prior when this model has none yet.
    public var codingTables: CodingTables {
        if let expanded { return expanded }
        if tables == nil { finalize() }
        let all = tables!.repeatingEach(latent.positions)
        expanded = all
        return all
    }

    /// Quantizes the prior into integer tables (`CodingTables.init(prior:)`).
    public func finalize() {
        tables = CodingTables(logits: logits, loc: loc, logScale: logScale)
    }

    /// The coded latent's reconstructions: through z~ = round(y), and from y unrounded.
    public var pictureWords: PictureWords {
        PictureWords(channel: "round(y)", noiseless: "y",
                     caption: "Reconstructions, in groups of three: the example | through the channel (z~ = round(y), the coded latent) | from the unrounded latent (z = y).")
    }

    /// The prior trains 10 times faster than the networks: it must follow the encoder's latents
    /// as they spread out (at the networks' rate, MNIST conv's rate was still falling after 3 of
    /// 5 epochs only because the prior lagged).
    public var learningRateScale: Float { 10 }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [(name: "logits", tensor: logits), (name: "loc", tensor: loc), (name: "log_scale", tensor: logScale)]
    }

    /// The tables of the latent channels (not repeated over positions).
    public var namedIntegerTensors: [(name: String, shape: [Int], values: [Int32])] {
        if tables == nil { finalize() }
        return tables!.namedTensors
    }

    public func loadIntegerTensors(_ lookup: (String) -> (shape: [Int], values: [Int32])?) throws {
        tables = try CodingTables(latentDim: latent.channels, lookup)
    }

    public func evaluationStatistics(examples: Int, exampleShape: [Int], miExamples: Int) -> any BottleneckStatistics {
        QuantizedStatistics(tables: codingTables, exampleShape: exampleShape, prior: self)
    }
}

/// The quantized channel's own figures: the integer tables' estimate -log2 P(z~), the actual
/// entropy-coded payload, and the whole `.rdac` file (header, length prefixes, checksum), per
/// example; and the rate per latent dimension, `rate_per_dim_nats`: entry k is the mean over the
/// evaluation set of -ln P_k(z~_k) under the float prior (the logistic mixture's mass over
/// [z~_k - 1/2, z~_k + 1/2], `LogisticMixturePrior`, the prior the reported rate is measured
/// under, not the integer tables), so the entries add up to `rate_nats`.
struct QuantizedStatistics: BottleneckStatistics {
    let tables: CodingTables
    let exampleShape: [Int]
    /// The channel whose float prior the per-dimension rate is measured under.
    let prior: QuantizedBottleneck
    var estimatedBits = 0.0, payloads: [[UInt8]] = []
    /// -ln P_k(z~_k) summed over the examples so far, per dimension k.
    var perDimension: [Double]

    init(tables: CodingTables, exampleShape: [Int], prior: QuantizedBottleneck) {
        self.tables = tables; self.exampleShape = exampleShape; self.prior = prior
        perDimension = [Double](repeating: 0, count: prior.latent.channels)
    }

    mutating func add(_ output: BottleneckOutput, examples y: Tensor, range: Range<Int>) {
        let k = output.z.shape[1]
        for (j, r) in prior.ratePerChannel(output.z).enumerated() { perDimension[j] += r }
        let symbols = QuantizedBottleneck.symbols(output.z)
        for i in 0..<range.count {
            let row = Array(symbols[(i * k)..<((i + 1) * k)])
            estimatedBits += tables.codeLength(row)
            payloads.append(tables.encode(row))
        }
    }

    func finish() -> (figures: any ChannelFigures, ratePerDimNats: [Double]?) {
        let n = Double(Swift.max(payloads.count, 1))
        var figures = QuantizedFigures(codedBitsPerImage: Double(payloads.reduce(0) { $0 + RangeEncoder.significantBits(of: $1) }) / n,
                                       estimatedBitsPerImage: estimatedBits / n, containerBitsPerImage: nil)
        if let file = try? CompressedFile(fingerprint: [UInt8](repeating: 0, count: CompressedFile.fingerprintLength),
                                          shape: exampleShape, records: payloads) {
            figures.containerBitsPerImage = Double(file.fileBytes * 8) / n
        }
        return (figures, perDimension.map { $0 / n })
    }
}
