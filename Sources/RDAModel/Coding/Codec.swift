import Foundation
import RDACoding
import RDACore

/// Examples to bytes and back with a model whose channel entropy codes its latents
/// (`EntropyCodingChannel`, the quantized channel): the compression RDA as a codec.
///
///     compress:    y ──encoder──> y_enc ──round──> z~ (K integers) ──range coder, tables P_k──> payload bytes
///     decompress:  payload ──range decoder, same tables──> z~ ──decoder──> y_hat(z~)
///
/// Each example (or each group of `examplesPerRecord`) becomes one record of a `.rdac` file
/// (`CompressedFile`): independently decodable, its length stored, the file stamped with the model's fingerprint and protected by a CRC-32.
///
/// What is guaranteed: the symbols z~ decoded from a file are exactly the ones encoded, on any
/// machine, thread count and GEMM backend (integer tables, integer coder). The decoded pixels are
/// the decoder network's float output for those symbols: identical for the same build, backend and
/// thread count (and to the reconstructions `rda eval` scores); on another CPU or backend they can
/// differ by float rounding (about 1e-6), which can move a rare 8-bit PNG pixel by one level.
public enum Codec {
    /// The model's entropy-coding channel, or a one-line error naming the channel and the fix.
    public static func codingChannel(_ model: RateDistortionAutoencoder) throws -> any EntropyCodingChannel {
        guard let channel = model.bottleneck as? any EntropyCodingChannel else {
            throw Capability.missing("be entropy coded: it has no discrete latents", channel: model.config.channel.name,
                                     hint: "train a model with a channel that codes its latents: " + Channels.names { $0 is any EntropyCodingChannel }.map { "the \($0) channel" }.joined(separator: " or "))
        }
        return channel
    }

    /// The K integer symbols z~ = round(y_enc) of each example. Shapes: examples [N, D] -> N rows of K.
    public static func symbols(_ model: RateDistortionAutoencoder, examples: Tensor, batchSize: Int = Evaluator.defaultBatchSize) throws -> [[Int32]] {
        let channel = try codingChannel(model)
        let n = examples.shape[0], k = model.config.latentShape.count
        var rows: [[Int32]] = []
        rows.reserveCapacity(n)
        withoutGradients {
            forEachBatch(n, batchSize) { range in
                let f = model.forward(examples.slice(range), noise: nil, mode: .evaluation)
                let s = channel.symbols(f.z)
                for i in 0..<range.count { rows.append(Array(s[(i * k)..<((i + 1) * k)])) }
            }
        }
        return rows
    }

    /// A `.rdac` file holding `examples` [N, D], `examplesPerRecord` to a record.
    public static func compress(_ model: RateDistortionAutoencoder, examples: Tensor, examplesPerRecord: Int = 1) throws -> CompressedFile {
        try file(model, symbols: try symbols(model, examples: examples), examplesPerRecord: examplesPerRecord)
    }

    /// A `.rdac` file holding rows of symbols, `examplesPerRecord` rows coded together in each
    /// record (one range-coder message: its termination is paid once per record).
    public static func file(_ model: RateDistortionAutoencoder, symbols: [[Int32]], examplesPerRecord: Int = 1) throws -> CompressedFile {
        let tables = try codingChannel(model).codingTables
        guard examplesPerRecord >= 1 else { throw RDAError("‹examples-per-record› \(examplesPerRecord) must be at least 1") }
        let payloads = stride(from: 0, to: symbols.count, by: examplesPerRecord).map { start in
            tables.encode(rows: Array(symbols[start..<Swift.min(start + examplesPerRecord, symbols.count)]))
        }
        return try CompressedFile(fingerprint: model.fingerprint, shape: model.config.exampleShape, records: payloads,
                                  examplesPerRecord: examplesPerRecord, count: symbols.count)
    }

    /// The symbols of every record of `file`, after checking it was made with `model`.
    public static func decodeSymbols(_ model: RateDistortionAutoencoder, file: CompressedFile) throws -> [[Int32]] {
        let tables = try codingChannel(model).codingTables
        do { try file.check(fingerprint: model.fingerprint) } catch {
            throw RDAError("\(error)")
        }
        guard file.method == .quantized else {
            throw RDAError("the file was coded by \(file.method), not by the quantized channel's range coder; decompress it with the \(file.method) decoder")
        }
        guard file.shape == model.config.exampleShape else {
            throw RDAError("the file holds examples of shape \(file.shape) but the model makes \(model.config.exampleShape); use the model it was compressed with")
        }
        // The count is the file's word: check what it costs before allocating for it.
        try MemoryEstimate.require(MemoryEstimate.decodingBytes(model.config, count: file.count), for: "decoding the file's \(file.count) examples",
                                   fix: "the file declares more examples than this process can hold; split it, or check it is an rda file")
        var rows: [[Int32]] = []
        rows.reserveCapacity(file.count)
        for i in 0..<file.recordCount {
            do { rows += try tables.decode(file.record(i), rows: file.examples(inRecord: i), version: file.version) } catch {
                throw RDAError("record \(i + 1) of \(file.recordCount) does not decode (\(error)); the file is damaged")
            }
        }
        return rows
    }

    /// The decoder's reconstructions y_hat(z~) of rows of symbols. Shapes: N rows of K -> [N, D].
    public static func reconstruct(_ model: RateDistortionAutoencoder, symbols: [[Int32]], batchSize: Int = Evaluator.defaultBatchSize) throws -> Tensor {
        let channel = try codingChannel(model)
        let n = symbols.count, d = model.config.dimensions
        let out = Tensor(zeros: [n, d])
        withoutGradients {
            forEachBatch(n, batchSize) { range in
                let z = channel.latents(Array(symbols[range]))
                let y = model.decode(z)
                (out.data + range.lowerBound * d).update(from: y.data, count: range.count * d)
            }
        }
        return out
    }

    /// Decompresses `file` with `model`: [N, D].
    public static func decompress(_ model: RateDistortionAutoencoder, file: CompressedFile) throws -> Tensor {
        try reconstruct(model, symbols: try decodeSymbols(model, file: file))
    }
}
