import Foundation
import RDACoding
import RDACore
import RDAKernels
import RDAModel

/// The three coders as `CodingBenchmark` times them: `encode` turns a batch of images [N, D]
/// into what a file stores, `decode` turns that back and says whether it got exactly what was sent.
enum CodingBenchmarkCoders {
    /// What an encoding made: its bits (as counted below) and what the decoder needs.
    struct Coded {
        /// Bits of the coded images.
        var bits: Double
        /// The quantized or bits-back file.
        var file: CompressedFile?
        /// Channel simulation: the stored parameters, the records and the latents sent.
        var parameters: [UInt8] = [], records: [[UInt8]] = [], latents: [Double] = []
        /// What decoding must give back: the symbols or the 8-bit levels.
        var symbols: [[Int32]] = [], levels: [UInt8] = []
    }

    /// One coder on one model.
    struct Coder {
        let encode: (Tensor) throws -> Coded
        let decode: (Coded) throws -> Bool
    }

    /// The coder of `method` on `model`; a one-line refusal when the model's channel cannot do it.
    static func coder(_ method: CodingBenchmark.Method, model m: RateDistortionAutoencoder, blockBits: Int?, seed: UInt64) throws -> Coder {
        switch method {
        case .quantized: return try quantized(m)
        case .bitsBack: return try bitsBack(m)
        case .channelSimulation: return try channelSimulation(m, blockBits: blockBits ?? ChannelSimulationCodec.defaultBlockBits, seed: seed)
        }
    }

    /// `rda compress` / `decompress` of a quantized-channel model: the whole file's bytes count.
    static func quantized(_ m: RateDistortionAutoencoder) throws -> Coder {
        _ = try Codec.codingChannel(m)
        return Coder(encode: { x in
            let symbols = try Codec.symbols(m, examples: x)
            let file = try Codec.file(m, symbols: symbols)
            return Coded(bits: Double(8 * file.fileBytes), file: file, symbols: symbols)
        }, decode: { coded in
            let symbols = try Codec.decodeSymbols(m, file: coded.file!)
            _ = try Codec.reconstruct(m, symbols: symbols)
            return symbols == coded.symbols
        })
    }

    /// `rda compress --lossless` / `decompress` of a bits-back file: the whole file's bytes count.
    /// Makes the Swift GEMM the process's policy (`BitsBack.requireDeterministicProducts`).
    static func bitsBack(_ m: RateDistortionAutoencoder) throws -> Coder {
        _ = try BitsBack.channel(m)
        try BitsBack.requireDeterministicProducts()
        return Coder(encode: { x in
            let (file, _) = try BitsBack.compress(m, examples: x)
            return Coded(bits: Double(8 * file.fileBytes), file: file, levels: try BitsBack.levels(x))
        }, decode: { coded in
            try BitsBack.decompress(m, file: coded.file!) == coded.levels
        })
    }

    /// Channel simulation of a Gaussian-channel model, one record per image; the records'
    /// bytes and the stored parameters count (a file adds only its header). The posteriors,
    /// standardization and reconstruction are `ChannelSimulationCodec`'s, over the whole latent
    /// (`latentShape.count` values, so that `spatial` maps work too: the codec's own functions
    /// take `latentDim`, the channels of a spatial map).
    static func channelSimulation(_ m: RateDistortionAutoencoder, blockBits: Int, seed: UInt64) throws -> Coder {
        let channel = try ChannelSimulationCodec.channel(m)
        let k = m.config.latentShape.count
        let muZ = channel.prior.muPerDimension.values.map(Double.init), logSigmaZ = channel.prior.logSigmaPerDimension.values.map(Double.init)
        guard muZ.count == k, logSigmaZ.count == k else { throw RDAError("the model's prior has \(muZ.count) dimensions, its latent \(k)") }
        return Coder(encode: { x in
            let n = x.shape[0]
            var mu: [Double] = [], lv: [Double] = []
            mu.reserveCapacity(n * k); lv.reserveCapacity(n * k)
            for range in batches(n) {
                withoutGradients {
                    let f = m.forward(x.slice(range), noise: nil, mode: .noiseless)
                    guard let p = f.bottleneck.details as? GaussianPosterior else { preconditionFailure("the Gaussian channel gave no posterior") }
                    for i in 0..<(range.count * k) {
                        let j = i % k
                        mu.append((Double(p.mu.data[i]) - muZ[j]) / Foundation.exp(logSigmaZ[j]))
                        lv.append(Double(p.logvar.data[i]) - 2 * logSigmaZ[j])
                    }
                }
            }
            let encoded = try ChannelSimulationCodec.encode(mu: mu, logVariance: lv, dimensions: k, blockBits: blockBits, seed: seed, threads: Threads.count)
            let parameters = encoded.parameters.bytes
            let bytes = parameters.count + encoded.records.reduce(0) { $0 + $1.count }
            return Coded(bits: Double(8 * bytes), file: nil, parameters: parameters, records: encoded.records,
                         latents: encoded.examples.flatMap(\.latent))
        }, decode: { coded in
            let parameters = try ChannelSimulationParameters(bytes: coded.parameters)
            var zs: [Double] = []
            zs.reserveCapacity(coded.latents.count)
            for (i, record) in coded.records.enumerated() {
                for row in try parameters.decode(record, count: 1) {
                    zs += ChannelSimulation.decode(indices: row, example: i, plan: parameters.plan)
                }
            }
            let n = zs.count / k
            for range in batches(n) {
                withoutGradients {
                    let z = Tensor(shape: [range.count, k]) { buffer in
                        for i in 0..<(range.count * k) {
                            let j = i % k
                            buffer[i] = Float(muZ[j] + Foundation.exp(logSigmaZ[j]) * zs[range.lowerBound * k + i])
                        }
                    }
                    _ = m.decode(z)
                }
            }
            return zs == coded.latents
        })
    }

    /// Consecutive ranges of at most `Evaluator.defaultBatchSize` of 0..<n, as the codec runs its networks.
    static func batches(_ n: Int) -> [Range<Int>] {
        stride(from: 0, to: n, by: Evaluator.defaultBatchSize).map { $0..<Swift.min($0 + Evaluator.defaultBatchSize, n) }
    }
}
