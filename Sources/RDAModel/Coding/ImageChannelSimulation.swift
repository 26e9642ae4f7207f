import Foundation
import RDACoding
import RDACore

/// Images of any size through one Gaussian-channel `spatial` model by channel simulation: the
/// file carries a sample z ~ p(z|y) of each image's whole latent map, as `ChannelSimulationCodec`
/// does for examples of the model's own size.
///
///     compress:    image [C, H, W] ──pad to multiples of 2^k──> the model resized ──> (mu, ln s^2) of
///                  [C_lat, P] ──standardize──> per-channel figures ──> plan ──PFR per block──> record
///     decompress:  record ──H, W, figures──> the same plan ──indices──> z' ──decoder──> crop to [C, H, W]
///
/// The plan (`ChannelSimulationPlan`) needs each latent dimension's mean KL and precision. A
/// photograph's map has C_lat x P dimensions (P positions: 64 x 1,024 for a 512 x 512 image with
/// k = 4), too many to store one figure each, so each record stores one pair per latent channel
/// (the mean over the image's positions) and the plan repeats it over the positions: every
/// dimension of a channel is planned alike. The plan takes a channel's positions in a spread
/// order (`spreadOrder`), so that a block gathers positions from all over the image. One
/// exponent table per image codes its block indices.
///
/// ## Layout
/// The `.rdac` container's shape is `ImageCodec.fileShape` ([C_img, 2^k], "images of any size"),
/// its method `channelSimulation`, its parameters `Settings.bytes` (version, B, n, seed). Record i
/// (image i, whose randomness is keyed by example number i):
///
///     LEB128 H, LEB128 W                  the original size (as `ImageCodec`)
///     varint*C_lat mean KL per channel    (1/256 bits, <= 65535)
///     varint*C_lat precision per channel  (1/256 bits of log2 1 / posterior variance, <= 65535)
///     varint*(n + 2)                      the exponent table (each >= 1, summing to 2^12)
///     ...                                 the range coder's message: one index per block
public enum ImageChannelSimulation {
    /// Default B for images: per block the same trade as `ChannelSimulationCodec`'s low-rate
    /// pair, which keeps a photograph's thousands of blocks fast to search.
    public static let defaultBlockBits = ChannelSimulationCodec.lowRateSettings.blockBits
    /// Default log2 N for images.
    public static let defaultCandidateBits = ChannelSimulationCodec.lowRateSettings.candidateBits

    /// What a file of images stores once: the plan's block and candidate bits and the seed.
    public struct Settings: Equatable, Sendable {
        /// The layout's version byte.
        public static let layoutVersion: UInt8 = 1
        /// B, the planned KL of a block in bits.
        public let blockBits: Int
        /// log2 N, the candidate bound of a block.
        public let candidateBits: Int
        /// The seed of the shared randomness.
        public let seed: UInt64

        /// Settings, validated as a plan validates them (one-line errors naming the options).
        public init(blockBits: Int? = nil, candidateBits: Int? = nil, seed: UInt64 = 0) throws {
            let b = blockBits ?? defaultBlockBits
            guard (1...ChannelSimulationPlan.maximumBlockBits).contains(b) else {
                throw RDAError("‹block-bits› \(b) must be 1...\(ChannelSimulationPlan.maximumBlockBits)")
            }
            let n = candidateBits ?? (blockBits == nil ? defaultCandidateBits
                                      : Swift.min(b + ChannelSimulationCodec.defaultCandidateMargin, ChannelSimulationPlan.maximumCandidateBits))
            guard (b...ChannelSimulationPlan.maximumCandidateBits).contains(n) else {
                throw RDAError("‹candidate-bits› \(n) must be \(b)...\(ChannelSimulationPlan.maximumCandidateBits) (at least ‹block-bits›)")
            }
            (self.blockBits, self.candidateBits, self.seed) = (b, n, seed)
        }

        /// The stored bytes: version, B, n, then the seed little-endian (11 bytes).
        public var bytes: [UInt8] {
            [Self.layoutVersion, UInt8(blockBits), UInt8(candidateBits)] + (0..<8).map { UInt8(truncatingIfNeeded: seed >> UInt64(8 * $0)) }
        }

        /// Reads stored settings; one-line errors for bytes no encoder writes.
        public init(bytes: [UInt8]) throws {
            guard bytes.count == 11, bytes[0] == Self.layoutVersion else {
                throw RDAError("the file's channel-simulation settings are \(bytes.count) bytes of layout \(bytes.first ?? 0), not the 11 of layout \(Self.layoutVersion); the file is damaged")
            }
            var seed: UInt64 = 0
            for i in 0..<8 { seed |= UInt64(bytes[3 + i]) << UInt64(8 * i) }
            do { try self.init(blockBits: Int(bytes[1]), candidateBits: Int(bytes[2]), seed: seed) } catch {
                throw RDAError("the file's channel-simulation settings: \(error); the file is damaged")
            }
        }
    }

    /// One image coded: its record and what the encoder measured.
    public struct Coded {
        /// The record (layout above).
        public let record: [UInt8]
        /// The KL of the image's posterior in bits (what an exact, free channel simulation pays).
        public let klBits: Double
        /// The plan's blocks, and those whose search reached the candidate bound.
        public let blocks: Int, truncatedBlocks: Int
        /// The bits of the record's size and per-channel figures (side information).
        public let sideBits: Int
        /// The standardized latent z' the decoder regenerates, [C_lat * P] channel-major.
        public let latent: [Double]
        /// The image's standardized posterior (means and log-variances, [C_lat * P] each), for
        /// the noisy channel's own sample (`channelSample`).
        public let posterior: (mu: [Double], logVariance: [Double])
        /// The image's size [C, H, W] and the size it was coded at (H, W padded to multiples of 2^k).
        public let shape: [Int], paddedHeight: Int, paddedWidth: Int
    }

    /// The plan of a map of `positions` positions from per-channel figures, each repeated over
    /// the positions (dimension c * positions + p, the latent's channel-major order).
    /// Refused in one line before anything is built when the plan would not fit in memory (a
    /// damaged record can declare the largest image and every channel at 256 bits a dimension).
    public static func plan(settings: Settings, meanKL: [UInt16], precisionBits: [UInt16], positions: Int) throws -> ChannelSimulationPlan {
        try MemoryEstimate.require(planBytes(settings: settings, meanKL: meanKL, positions: positions),
                                   for: "the channel-simulation plan of \(meanKL.count) channels at \(positions) positions",
                                   fix: "the record declares more than an image of this size can hold; check the file is rda's")
        let tile = { (v: [UInt16]) in v.flatMap { [UInt16](repeating: $0, count: positions) } }
        do {
            return try ChannelSimulationPlan(blockBits: settings.blockBits, candidateBits: settings.candidateBits, seed: settings.seed,
                                             meanKL: tile(meanKL), precisionBits: tile(precisionBits))
        } catch { throw RDAError("\(error)") }
    }

    /// Bytes a plan of these per-channel figures repeated over `positions` positions takes,
    /// about: per dimension its figures, step counts and variance arrays (`perDimension`), per
    /// step its unit and variances (`perStep`), the steps counted as the plan counts them
    /// (ceil(meanKL / B), 1...`maximumSteps`). Nil on overflow.
    static func planBytes(settings: Settings, meanKL: [UInt16], positions: Int) -> Int? {
        let perDimension = 160, perStep = 48
        let capacity = settings.blockBits * Int(ChannelSimulationPlan.unit)
        let steps = meanKL.reduce(0) { $0 + Swift.min(ChannelSimulationPlan.maximumSteps, Swift.max(1, (Int($1) + capacity - 1) / capacity)) }
        guard let units = MemoryEstimate.multiply([steps, positions, perStep]),
              let dims = MemoryEstimate.multiply([meanKL.count, positions, perDimension]) else { return nil }
        let (total, overflow) = units.addingReportingOverflow(dims)
        return overflow ? nil : total
    }

    /// The plan's order of a map's positions: plan position j of a channel holds map position
    /// (j * a) mod P, a the integer nearest P (sqrt 5 - 1) / 2 that is coprime to P (a golden-ratio
    /// stride). A block then gathers positions spread over the whole image instead of a run of
    /// neighbours, whose KLs rise and fall together with the image's detail. Measured on six
    /// photographs against the plain order: 0.00-0.25 dB more PSNR for 0.5-2% more bits
    /// (docs/channel-simulation.md).
    public static func spreadOrder(positions n: Int) -> [Int] {
        guard n > 2 else { return Array(0..<n) }
        func gcd(_ x: Int, _ y: Int) -> Int { y == 0 ? x : gcd(y, x % y) }
        let golden = Int((Double(n) * (5.0.squareRoot() - 1) / 2).rounded())
        var a = Swift.max(1, golden), step = 1
        while gcd(a, n) != 1 { a = golden + (step % 2 == 1 ? (step + 1) / 2 : -(step / 2)); step += 1; if a < 1 { a = 1 } }
        return (0..<n).map { $0 * a % n }
    }

    /// The latent's values [C_lat * P] (channel-major) in the plan's order (`spreadOrder`), and back.
    static func toPlanOrder(_ v: [Double], channels: Int, order: [Int]) -> [Double] {
        let p = order.count
        return (0..<(channels * p)).map { i in v[(i / p) * p + order[i % p]] }
    }

    static func fromPlanOrder(_ v: [Double], channels: Int, order: [Int]) -> [Double] {
        let p = order.count
        var out = [Double](repeating: 0, count: v.count)
        for i in 0..<(channels * p) { out[(i / p) * p + order[i % p]] = v[i] }
        return out
    }

    /// Codes `image` [C, H, W] (values in [0, 1]) as example number `index` of a file.
    public static func encode(_ model: RateDistortionAutoencoder, image: Tensor, index: Int, settings: Settings, threads: Int = 1) throws -> Coded {
        _ = try ChannelSimulationCodec.channel(model)
        let c = model.config.exampleShape[0]
        guard image.rank == 3, image.shape[0] == c else { throw RDAError("an image of shape \(image.shape) for a model of \(c)-channel images") }
        let (h, w) = (image.shape[1], image.shape[2])
        let x = ImageCodec.padded(image, multiple: SpatialNetwork.multiple(widths: model.config.widths))
        let sized = try model.resized(height: x.shape[1], width: x.shape[2])
        try MemoryEstimate.require(MemoryEstimate.multiply([MemoryEstimate.activationsPerExample(sized.config), 4]), for: "coding a \(w)x\(h) image",
                                   fix: "code a smaller image, or cut it into parts")
        let shape = sized.config.latentShape
        let posterior = try ChannelSimulationCodec.posteriors(sized, examples: x.reshaped([1, x.count]))
        // per-channel figures: the positions as the examples of `figures` ([P, C_lat] row-major)
        func positionsFirst(_ v: [Double]) -> [Double] {
            (0..<(shape.positions * shape.channels)).map { i in v[(i % shape.channels) * shape.positions + i / shape.channels] }
        }
        let figures = ChannelSimulationPlan.figures(mu: positionsFirst(posterior.mu), logVariance: positionsFirst(posterior.logVariance),
                                                    dimensions: shape.channels)
        let plan = try plan(settings: settings, meanKL: figures.meanKL, precisionBits: figures.precisionBits, positions: shape.positions)
        let order = spreadOrder(positions: shape.positions)
        let example = ChannelSimulation.encode(mu: toPlanOrder(posterior.mu, channels: shape.channels, order: order),
                                               logVariance: toPlanOrder(posterior.logVariance, channels: shape.channels, order: order),
                                               example: index, plan: plan, threads: threads)
        let table = ChannelSimulationParameters.exponentTable(indices: example.blocks.map(\.index), candidateBits: plan.candidateBits)
        var record: [UInt8] = []
        LEB128.append(UInt64(h), to: &record)
        LEB128.append(UInt64(w), to: &record)
        for v in figures.meanKL + figures.precisionBits { LEB128.append(UInt64(v), to: &record) }
        let side = record.count * 8
        for f in table.frequencies { LEB128.append(UInt64(f), to: &record) }
        var coder = RangeEncoder()
        for block in example.blocks { ChannelSimulationParameters.encode(index: block.index, table: table, into: &coder) }
        record += coder.finish()
        return Coded(record: record, klBits: example.blocks.reduce(0) { $0 + $1.klBits }, blocks: example.blocks.count,
                     truncatedBlocks: example.blocks.filter(\.truncated).count, sideBits: side,
                     latent: fromPlanOrder(example.latent, channels: shape.channels, order: order), posterior: posterior,
                     shape: image.shape, paddedHeight: x.shape[1], paddedWidth: x.shape[2])
    }

    /// The noisy channel's own reconstruction of the image `coded` was made from, [C, H, W]: the
    /// decoder's output for z = mu(y) + sigma(y) eps, eps ~ N(0, I) drawn from `seed`, with the
    /// posterior the encoder computed (what an exact channel simulation decodes to on average,
    /// so the coded image's distortion can be measured against it).
    public static func channelSample(_ model: RateDistortionAutoencoder, coded: Coded, seed: UInt64) throws -> Tensor {
        let (mu, logVariance) = coded.posterior
        var rng = SeededGenerator(seed: seed)
        let eps = Tensor.randomNormal([mu.count], using: &rng)
        let z = mu.indices.map { mu[$0] + Foundation.exp(0.5 * logVariance[$0]) * Double(eps.data[$0]) }
        return try reconstruct(try model.resized(height: coded.paddedHeight, width: coded.paddedWidth), latents: z, shape: coded.shape)
    }

    /// The image [C, H, W] (`shape`) that the model resized to the padded size (`sized`) decodes
    /// from standardized latents z': its output, cropped.
    static func reconstruct(_ sized: RateDistortionAutoencoder, latents z: [Double], shape: [Int]) throws -> Tensor {
        let (ph, pw) = (sized.config.exampleShape[1], sized.config.exampleShape[2])
        let y = try ChannelSimulationCodec.reconstruct(sized, latents: z)
        return ImageCodec.cropped(y.reshaped([shape[0], ph, pw]), height: shape[1], width: shape[2])
    }

    /// A `.rdac` file of coded images (method `channelSimulation`, the images-of-any-size shape).
    public static func file(_ model: RateDistortionAutoencoder, coded: [Coded], settings: Settings, fingerprint: [UInt8]? = nil) throws -> CompressedFile {
        try CompressedFile(fingerprint: fingerprint ?? model.fingerprint, shape: ImageCodec.fileShape(model), records: coded.map(\.record),
                           method: .channelSimulation, parameters: settings.bytes)
    }

    /// Whether `file` holds images of any size coded by channel simulation.
    public static func holds(_ file: CompressedFile) -> Bool { ImageCodec.holdsImages(file) && file.method == .channelSimulation }

    /// The images of `file` ([C, H, W] each, at their original sizes) after checking it was made
    /// by `compress --image` with `model` (one-line refusals naming the problem).
    public static func decode(_ model: RateDistortionAutoencoder, file: CompressedFile, fingerprint: [UInt8]? = nil) throws -> [Tensor] {
        _ = try ChannelSimulationCodec.channel(model)
        do { try file.check(fingerprint: fingerprint ?? model.fingerprint) } catch { throw RDAError("\(error)") }
        guard holds(file), file.shape == ImageCodec.fileShape(model), file.examplesPerRecord == 1 else {
            throw RDAError("the file holds examples of shape \(file.shape) coded by \(file.method), not images of any size coded by channel simulation with this model; use the model it was compressed with")
        }
        let settings = try Settings(bytes: file.parameters)
        let sizes = ImageCodec.Sizes(model), c = model.config.exampleShape[0]
        let channels = model.config.latentShape.channels
        return try (0..<file.recordCount).map { i in
            let record = file.record(i)
            let damaged = { (what: String) in RDAError("record \(i + 1) of \(file.recordCount): \(what); the file is damaged") }
            let (h, w, start) = try ImageCodec.size(ofRecord: record)
            var at = start
            let ph = ImageCodec.paddedSide(h, model), pw = ImageCodec.paddedSide(w, model)
            let sized = try sizes.model(height: ph, width: pw)
            func next(_ limit: UInt64, _ what: String) throws -> UInt64 {
                guard case .value(let v, let n) = LEB128.read(record, at: at), v <= limit else { throw damaged("its \(what) is missing or over \(limit)") }
                at = n
                return v
            }
            let meanKL = try (0..<channels).map { _ in UInt16(try next(65535, "mean KL")) }
            let precision = try (0..<channels).map { _ in UInt16(try next(65535, "precision")) }
            let frequencies = try (0..<(settings.candidateBits + 2)).map { _ in UInt32(try next(1 << UInt64(ChannelSimulationParameters.tablePrecision), "index frequency")) }
            let table: FrequencyTable
            do { table = try FrequencyTable(frequencies: frequencies, offset: 0, precision: ChannelSimulationParameters.tablePrecision) } catch {
                throw damaged("its index table is invalid (\(error))")
            }
            let plan = try plan(settings: settings, meanKL: meanKL, precisionBits: precision, positions: sized.config.latentShape.positions)
            try MemoryEstimate.require(MemoryEstimate.samplingBytes(sized.config, count: 1), for: "decoding a \(w)x\(h) image",
                                       fix: "the file declares an image larger than this process can hold; check it is an rda file")
            var coder = RangeDecoder(bytes: Array(record[at...]))
            let indices: [Int]
            do {
                indices = try plan.blocks.indices.map { try ChannelSimulationParameters.decodeIndex(table: table, candidateBits: plan.candidateBits, block: $0, from: &coder) }
            } catch { throw damaged("\(error)") }
            if coder.hasUnreadBytes { throw damaged("it holds bytes after its last index") }
            let shape = sized.config.latentShape
            let z = fromPlanOrder(ChannelSimulation.decode(indices: indices, example: i, plan: plan), channels: shape.channels,
                                  order: spreadOrder(positions: shape.positions))
            return try reconstruct(sized, latents: z, shape: [c, h, w])
        }
    }
}
