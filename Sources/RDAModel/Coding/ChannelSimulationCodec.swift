import Foundation
import RDACoding
import RDACore

/// Examples to bytes and back by channel simulation of a Gaussian-channel model's posterior
/// (`ChannelSimulation`): the file carries a *sample* z ~ p(z|y) for about the model's rate
/// KL(p(z|y) || p_hat(z)) plus a logarithmic overhead per block, with no quantization.
///
///     compress:    y ──encoder──> (mu, ln s^2) ──standardize──> PFR index per block ──range coder──> record
///     decompress:  record ──indices──> the same candidates ──> z' ──> z = mu_z + sigma_z z' ──decoder──> y_hat(z)
///
/// A learned prior N(mu_z, sigma_z^2) is standardized per dimension first (`Standardization`'s
/// map: mu' = (mu - mu_z) / sigma_z, ln s'^2 = ln s^2 - 2 ln sigma_z; the KL is unchanged), so
/// candidates are always drawn from N(0, I). The decoded z is identical on any thread count;
/// the decoded pixels are the decoder network's float output for it (as in `Codec`).
public enum ChannelSimulationCodec {
    /// B, the planned KL of a block in bits (`‹block-bits›`), below `highRateKLBits` per example
    /// (`defaultSettings`, `lowRateSettings`). 11 bits (about 7.6 nats, below the 10 nats
    /// Flamich et al. use) with a search of N = 2^14 candidates: at 18 bits per MNIST image it
    /// makes two blocks, the fewest the packing reaches, for 22.3 bits per image (1.23 times the
    /// KL) at about 1,000 images/s on 2 shared cores (docs/channel-simulation.md has the
    /// measured alternatives).
    public static let defaultBlockBits = 11
    /// log2 N - B: how far the candidate bound N lies above a block's planned KL when only
    /// `‹block-bits›` is given.
    public static let defaultCandidateMargin = 4

    /// The model's Gaussian channel, or a one-line refusal naming the channel.
    public static func channel(_ model: RateDistortionAutoencoder) throws -> GaussianBottleneck {
        guard let channel = model.bottleneck as? GaussianBottleneck else {
            throw Capability.missing("be coded by channel simulation: it has no Gaussian posterior", channel: model.config.channel.name,
                                     hint: "compress it with its own entropy coder, or train a gaussian-channel model")
        }
        return channel
    }

    /// The standardized posteriors of `examples` [N, D]: row-major means and log-variances, [N * K] each.
    public static func posteriors(_ model: RateDistortionAutoencoder, examples: Tensor, batchSize: Int = Evaluator.defaultBatchSize) throws -> (mu: [Double], logVariance: [Double]) {
        let channel = try channel(model)
        let k = model.config.latentShape.count, n = examples.shape[0]
        let muZ = channel.prior.muPerDimension.values.map(Double.init), logSigmaZ = channel.prior.logSigmaPerDimension.values.map(Double.init)
        var mu: [Double] = [], lv: [Double] = []
        mu.reserveCapacity(n * k); lv.reserveCapacity(n * k)
        withoutGradients {
            forEachBatch(n, batchSize) { range in
                let f = model.forward(examples.slice(range), noise: nil, mode: .noiseless)
                guard let p = f.bottleneck.details as? GaussianPosterior else { preconditionFailure("the Gaussian channel gave no posterior") }
                for i in 0..<(range.count * k) {
                    let j = i % k, s = Foundation.exp(logSigmaZ[j])
                    mu.append((Double(p.mu.data[i]) - muZ[j]) / s)
                    lv.append(Double(p.logvar.data[i]) - 2 * logSigmaZ[j])
                }
            }
        }
        return (mu, lv)
    }

    /// What `encode` made: the stored parameters, the records, and each example's choices.
    public struct Encoded {
        /// The plan and index tables (`CompressedFile.parameters`).
        public let parameters: ChannelSimulationParameters
        /// One record per `examplesPerRecord` examples.
        public let records: [[UInt8]]
        /// Per example: its blocks' indices, KLs and the latent the decoder will regenerate.
        public let examples: [ChannelSimulation.Example]
        /// The mean KL of an example in bits (the sum over its blocks).
        public var klBitsPerExample: Double {
            examples.reduce(0.0) { $0 + $1.blocks.reduce(0) { $0 + $1.klBits } } / Double(Swift.max(examples.count, 1))
        }
        /// Blocks whose search the candidate bound ended (their samples are the best of N).
        public var truncatedBlocks: Int { examples.reduce(0) { $0 + $1.blocks.filter(\.truncated).count } }
    }

    /// Encodes the standardized posteriors (`posteriors`) of a model with `k` latent dimensions:
    /// plans blocks of `blockBits` bits from their mean KLs, searches at most 2^`candidateBits`
    /// candidates per block on `threads` threads, fits the index tables and codes
    /// `examplesPerRecord` examples per record. Without `blockBits` and `candidateBits`, both
    /// come from the examples' mean KL (`defaultSettings`); with `blockBits` alone, the candidate
    /// bits are `blockBits + defaultCandidateMargin`.
    public static func encode(mu: [Double], logVariance: [Double], dimensions k: Int, blockBits: Int? = nil, candidateBits: Int? = nil,
                              seed: UInt64 = 0, examplesPerRecord: Int = 1, threads: Int = 1) throws -> Encoded {
        let f = ChannelSimulationPlan.figures(mu: mu, logVariance: logVariance, dimensions: k)
        let preset = defaultSettings(klBitsPerExample: f.meanKL.reduce(0.0) { $0 + Double($1) } / ChannelSimulationPlan.unit)
        let chosen = blockBits ?? preset.blockBits
        guard (1...ChannelSimulationPlan.maximumBlockBits).contains(chosen) else {
            throw RDAError("‹block-bits› \(chosen) must be 1...\(ChannelSimulationPlan.maximumBlockBits)")
        }
        let cb = candidateBits ?? (blockBits == nil ? preset.candidateBits : Swift.min(chosen + defaultCandidateMargin, ChannelSimulationPlan.maximumCandidateBits))
        guard (chosen...ChannelSimulationPlan.maximumCandidateBits).contains(cb) else {
            throw RDAError("‹candidate-bits› \(cb) must be \(chosen)...\(ChannelSimulationPlan.maximumCandidateBits) (at least ‹block-bits›)")
        }
        guard examplesPerRecord >= 1 else { throw RDAError("‹examples-per-record› \(examplesPerRecord) must be at least 1") }
        let plan = try ChannelSimulationPlan(blockBits: chosen, candidateBits: cb, seed: seed, meanKL: f.meanKL, precisionBits: f.precisionBits)
        let examples = ChannelSimulation.encode(mu: mu, logVariance: logVariance, plan: plan, threads: threads)
        let parameters = ChannelSimulationParameters(plan: plan, examples: examples)
        let records = stride(from: 0, to: examples.count, by: examplesPerRecord).map { start in
            parameters.encode(Array(examples[start..<Swift.min(start + examplesPerRecord, examples.count)]))
        }
        return Encoded(parameters: parameters, records: records, examples: examples)
    }

    /// The standardized latents z' [count * K] of records made by `encode`: `record(i)` gives
    /// record i's bytes and `counts[i]` its example count. One-line errors for parameters that
    /// do not fit the model and records that do not decode.
    public static func latents(_ model: RateDistortionAutoencoder, parameters bytes: [UInt8], records: Int, record: (Int) -> [UInt8], counts: (Int) -> Int) throws -> [Double] {
        _ = try channel(model)
        let parameters: ChannelSimulationParameters
        do { parameters = try ChannelSimulationParameters(bytes: bytes) } catch { throw RDAError("\(error)") }
        let k = model.config.latentShape.count
        guard parameters.plan.dimensions == k else {
            throw RDAError("the file's channel simulation has \(parameters.plan.dimensions) latent dimensions but the model has \(k); use the model it was compressed with")
        }
        var z: [Double] = []
        var example = 0
        for i in 0..<records {
            let indices: [[Int]]
            do { indices = try parameters.decode(record(i), count: counts(i)) } catch {
                throw RDAError("record \(i + 1) of \(records) does not decode (\(error)); the file is damaged")
            }
            for row in indices {
                z += ChannelSimulation.decode(indices: row, example: example, plan: parameters.plan)
                example += 1
            }
        }
        return z
    }

    /// A `.rdac` file (version 3, method `channelSimulation`) holding what `encode` made for `count` examples.
    public static func file(_ model: RateDistortionAutoencoder, encoded: Encoded, examplesPerRecord: Int) throws -> CompressedFile {
        let parameters = encoded.parameters.bytes
        guard parameters.count <= CompressedFile.maximumParameterBytes else {
            throw RDAError("the channel simulation's plan takes \(parameters.count) bytes, more than a file's \(CompressedFile.maximumParameterBytes) (\(model.config.latentShape.count) latent dimensions, \(encoded.parameters.plan.blocks.count) blocks); raise ‹block-bits›")
        }
        return try CompressedFile(fingerprint: model.fingerprint, shape: model.config.exampleShape, records: encoded.records,
                                  examplesPerRecord: examplesPerRecord, count: encoded.examples.count,
                                  method: .channelSimulation, parameters: parameters)
    }

    /// The standardized latents z' [count * K] of a channel-simulated `file`, after checking it
    /// was made with `model` by channel simulation (one-line refusals otherwise).
    public static func latents(_ model: RateDistortionAutoencoder, file: CompressedFile) throws -> [Double] {
        _ = try channel(model)
        do { try file.check(fingerprint: model.fingerprint) } catch { throw RDAError("\(error)") }
        guard file.method == .channelSimulation else {
            throw RDAError("the file was coded by \(file.method), not by channel simulation; decompress it with the \(file.method) decoder")
        }
        guard file.shape == model.config.exampleShape else {
            throw RDAError("the file holds examples of shape \(file.shape) but the model makes \(model.config.exampleShape); use the model it was compressed with")
        }
        try MemoryEstimate.require(MemoryEstimate.decodingBytes(model.config, count: file.count), for: "decoding the file's \(file.count) examples",
                                   fix: "the file declares more examples than this process can hold; split it, or check it is an rda file")
        return try latents(model, parameters: file.parameters, records: file.recordCount, record: file.record, counts: file.examples(inRecord:))
    }

    /// The decoder's reconstructions y_hat(z) of standardized latents [N * K]: z = mu_z + sigma_z z'. Shapes: -> [N, D].
    public static func reconstruct(_ model: RateDistortionAutoencoder, latents zs: [Double], batchSize: Int = Evaluator.defaultBatchSize) throws -> Tensor {
        let channel = try channel(model)
        let k = model.config.latentShape.count, d = model.config.dimensions, n = zs.count / k
        let muZ = channel.prior.muPerDimension.values, sigmaZ = channel.prior.logSigmaPerDimension.values.map { Foundation.exp($0) }
        let out = Tensor(zeros: [n, d])
        withoutGradients {
            forEachBatch(n, batchSize) { range in
                let z = Tensor(shape: [range.count, k]) { buffer in
                    for i in 0..<(range.count * k) { buffer[i] = muZ[i % k] + sigmaZ[i % k] * Float(zs[range.lowerBound * k + i]) }
                }
                let y = model.decode(z)
                (out.data + range.lowerBound * d).update(from: y.data, count: range.count * d)
            }
        }
        return out
    }
}
