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
        case .channelSimulation: return try channelSimulation(m, blockBits: blockBits, seed: seed)
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
    /// the latents and the reconstruction are `ChannelSimulationCodec`'s, as `rda compress` and
    /// `rda decompress` run them; `blockBits` nil takes the codec's defaults by rate.
    static func channelSimulation(_ m: RateDistortionAutoencoder, blockBits: Int?, seed: UInt64) throws -> Coder {
        _ = try ChannelSimulationCodec.channel(m)
        let k = m.config.latentShape.count
        return Coder(encode: { x in
            let p = try ChannelSimulationCodec.posteriors(m, examples: x)
            let encoded = try ChannelSimulationCodec.encode(mu: p.mu, logVariance: p.logVariance, dimensions: k, blockBits: blockBits, seed: seed, threads: Threads.count)
            let parameters = encoded.parameters.bytes
            let bytes = parameters.count + encoded.records.reduce(0) { $0 + $1.count }
            return Coded(bits: Double(8 * bytes), file: nil, parameters: parameters, records: encoded.records,
                         latents: encoded.examples.flatMap(\.latent))
        }, decode: { coded in
            let zs = try ChannelSimulationCodec.latents(m, parameters: coded.parameters, records: coded.records.count,
                                                        record: { coded.records[$0] }, counts: { _ in 1 })
            _ = try ChannelSimulationCodec.reconstruct(m, latents: zs)
            return zs == coded.latents
        })
    }
}
