import Foundation
import RDACoding
import RDACore
import RDAKernels

extension BitsBack {
    /// Makes the Swift GEMM, whose bits do not depend on the thread count, the process's policy
    /// when none is set (as in `rda compress` and `rda decompress`: bits-back decoding must
    /// recompute the encoder's tables exactly), and refuses OpenBLAS. A process whose policy is
    /// already per shape (one that trained first) keeps it: its files decode in a process that
    /// makes the same choices. The convolutions must run as they do by default (RDA_WINOGRAD=0
    /// is refused), so that encoder and decoder compute the same tables.
    public static func requireDeterministicProducts() throws {
        if !ConvolutionSettings.winograd {
            throw RDAError("lossless coding recomputes every probability when decoding and needs the default convolutions; unset RDA_WINOGRAD=0")
        }
        if GEMM.requestedBackend == .openblas {
            throw RDAError("lossless coding recomputes every probability when decoding and needs the Swift GEMM; unset RDA_GEMM=openblas (or set RDA_GEMM=swift)")
        }
        GEMMSelector.shared.adoptPolicy(.swift)
        guard GEMMSelector.shared.policy != .openblas || !GEMM.isOpenBLASAvailable else {
            throw RDAError("lossless coding needs the Swift GEMM but this process already chose another; run it in its own rda process with RDA_GEMM=swift")
        }
    }

    /// A `.rdac` file (method bits-back) of `examples` [N, D], 8-bit images of the model's shape:
    /// one record holding the whole chain's stack, then a 1 byte (the record keeps its length).
    /// Call `requireDeterministicProducts` first in a process that will not decode the file itself.
    public static func compress(_ model: RateDistortionAutoencoder, examples: Tensor, clock: Clock = Clock(),
                                progress: ((Int) -> Void)? = nil) throws -> (file: CompressedFile, statistics: Statistics) {
        _ = try channel(model)
        let n = examples.shape[0]
        guard n >= 1 else { throw RDAError("no examples to compress") }
        let parameters = Parameters(latentDim: model.config.latentShape.count)
        let (stack, statistics) = try encode(model, levels: try levels(examples), count: n, parameters: parameters, clock: clock, progress: progress)
        let file = try CompressedFile(fingerprint: model.fingerprint, shape: model.config.exampleShape, records: [stack.bytes + [1]],
                                      examplesPerRecord: n, count: n, method: .bitsBack, parameters: parameters.bytes)
        return (file, statistics)
    }

    /// The 8-bit levels of every example of a bits-back `file` (N * D, example after example),
    /// after checking it belongs to `model`.
    public static func decompress(_ model: RateDistortionAutoencoder, file: CompressedFile, clock: Clock = Clock(),
                                  progress: ((Int) -> Void)? = nil) throws -> [UInt8] {
        _ = try channel(model)
        guard file.method == .bitsBack else {
            throw RDAError("the file was coded by \(file.method), not by bits-back coding; decompress it without a bits-back model")
        }
        do { try file.check(fingerprint: model.fingerprint) } catch { throw RDAError("\(error)") }
        guard file.shape == model.config.exampleShape else {
            throw RDAError("the file holds examples of shape \(file.shape) but the model makes \(model.config.exampleShape); use the model it was compressed with")
        }
        let (parameters, payload) = try chain(of: file)
        guard let stack = BitsBackStack(bytes: payload) else { throw RDAError("the bits-back record is not a whole stack of words; the file is damaged") }
        // the count is the file's word: check what it costs before allocating for it
        try MemoryEstimate.require(MemoryEstimate.multiply([file.count, model.config.dimensions]), for: "decoding the file's \(file.count) examples",
                                   fix: "the file declares more examples than this process can hold; check it is an rda file")
        return try decode(model, stack: stack, count: file.count, parameters: parameters, clock: clock, progress: progress)
    }

    /// The chain a bits-back file carries: its parameters and its one record without the end
    /// marker, or a one-line error naming what is damaged. Shared by the fixed-size and the
    /// any-size images' decoders.
    static func chain(of file: CompressedFile) throws -> (parameters: Parameters, payload: [UInt8]) {
        guard let parameters = Parameters(bytes: file.parameters) else {
            throw RDAError("the file's bits-back parameters (\(file.parameters.count) bytes) are not ones this rda codes with; the file is damaged or from a newer rda")
        }
        guard file.recordCount == 1 else { throw RDAError("a bits-back file holds one record, this one \(file.recordCount); the file is damaged") }
        var payload = file.record(0)
        guard payload.last == 1 else { throw RDAError("the bits-back record does not end in its marker; the file is damaged") }
        payload.removeLast()
        return (parameters, payload)
    }
}
