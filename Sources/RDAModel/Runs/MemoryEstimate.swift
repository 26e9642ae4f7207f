import Foundation

/// Estimates of the memory a request needs, checked before anything is allocated, so that a
/// request larger than the machine gets one line instead of a fatal allocation failure.
///
/// The estimates count float32 buffers only and are rough (within a small factor of the peak);
/// they exist to refuse requests that cannot possibly fit, not to plan memory.
public enum MemoryEstimate {
    /// The memory a request may use: the machine's physical memory, or the process's limit when
    /// lower (`RLIMIT_AS`, as `ulimit -v` sets it, and the cgroup's `memory.max` or
    /// `memory.limit_in_bytes`; see `ProcessMemoryLimit`).
    public static var available: Int {
        min(Int(clamping: ProcessInfo.processInfo.physicalMemory), ProcessMemoryLimit.bytes ?? Int.max)
    }

    /// Where `available` comes from, for messages: "this machine has" or "this process may use".
    static var availableSource: String {
        (ProcessMemoryLimit.bytes ?? Int.max) < Int(clamping: ProcessInfo.processInfo.physicalMemory)
            ? "this process may use (its memory limit)" : "this machine has"
    }

    /// Bytes of `count` float32 values, nil on overflow.
    public static func floats(_ count: Int) -> Int? { multiply([count, 4]) }

    /// Throws a one-line `RDAError` when `bytes` (nil: beyond any integer) exceeds `available`.
    /// `what` names the request, `fix` says what to ask for instead.
    public static func require(_ bytes: Int?, for what: String, fix: String) throws {
        let limit = available
        guard let bytes, bytes <= limit else {
            let size = bytes.map { "about \(describe($0))" } ?? "more than \(describe(Int.max))"
            throw RDAError("\(what) needs \(size) of memory but \(availableSource) \(describe(limit)); \(fix)")
        }
    }

    /// Scalar parameters of a model of `config` (from its tensor shapes, nothing allocated).
    public static func parameterCount(_ config: ModelConfig) throws -> Int? {
        var total = 0
        for shape in try CheckpointValidation.expectedShapes(config).values {
            guard let n = CheckpointValidation.product(shape) else { return nil }
            let (s, o) = total.addingReportingOverflow(n)
            if o { return nil }
            total = s
        }
        return total
    }

    /// Floats one example occupies in the forward pass (every layer's output; for conv also the
    /// im2col buffers of both convolutions), nil on overflow.
    static func activationsPerExample(_ config: ModelConfig) -> Int? {
        let d = CheckpointValidation.product(config.exampleShape) ?? Int.max
        let k = config.latentDim
        switch config.arch {
        case .linear:
            return sum([multiply([2, d]), multiply([4, k])])
        case .mlp:
            let hidden = config.widths.reduce(0) { $0.addingReportingOverflow($1).overflow ? Int.max : $0 + $1 }
            return sum([multiply([2, d]), multiply([4, hidden]), multiply([4, k])])
        case .conv:
            guard config.exampleShape.count == 3, config.widths.count == 2 else { return nil }
            let (c, h, w) = (config.exampleShape[0], config.exampleShape[1], config.exampleShape[2])
            let (c1, c2) = (config.widths[0], config.widths[1])
            // outputs c1 (H/2)(W/2) and c2 (H/4)(W/4); im2col rows c*16 and c1*16 per output pixel.
            return sum([multiply([2, d]), multiply([c1, h, w]), multiply([c2, h, w]),
                        multiply([4, c, h, w]), multiply([c1, h, w]), multiply([4, k])])
        case .resnet:
            return ResNetwork.activationsPerExample(exampleShape: config.exampleShape, widths: config.widths, resBlocks: config.resBlocks,
                                                    hidden: config.hidden, latentDim: k)
        case .spatial:
            return SpatialNetwork.activationsPerExample(exampleShape: config.exampleShape, latentChannels: k,
                                                        encoderOutputs: k * config.channelSettings.encoderOutputsPerLatent, widths: config.widths)
        }
    }

    /// Bytes training needs: both splits, the parameters with their gradients and Adam's two
    /// moments, and a batch's activations forward and backward (times 3) at the larger of the
    /// training batch and the evaluation batch.
    /// A configuration beyond `CheckpointValidation`'s limits counts as too large (nil).
    public static func trainingBytes(_ config: ModelConfig, batchSize: Int, trainExamples: Int, testExamples: Int) -> Int? {
        let d = CheckpointValidation.product(config.exampleShape) ?? Int.max
        let batch = max(batchSize, Evaluator.defaultBatchSize)
        return sum([multiply([sum([trainExamples, testExamples]) ?? Int.max, d, 4]),
                    multiply([((try? parameterCount(config)) ?? nil) ?? Int.max, 4, 4]),
                    multiply([batch, activationsPerExample(config) ?? Int.max, 3, 4])])
    }

    /// Bytes decoding `count` samples (or reconstructions) needs: the forward activations of
    /// every example, twice (the result and the picture or JSON made from it).
    public static func samplingBytes(_ config: ModelConfig, count: Int) -> Int? {
        multiply([count, activationsPerExample(config), 2, 4])
    }

    /// Bytes decoding `count` examples of a `.rdac` file needs: each example's K symbols (an
    /// array of 32-bit integers with its header, counted as 64 bytes) and the decoder's
    /// reconstructions (`samplingBytes`), nil on overflow.
    public static func decodingBytes(_ config: ModelConfig, count: Int) -> Int? {
        sum([multiply([count, sum([multiply([config.latentShape.count, 4]), 64])]), samplingBytes(config, count: count)])
    }

    /// Bytes a grid of `rows` x `columns` decoded pictures needs (interpolate, traverse):
    /// decoding them (`samplingBytes`) and the grid's pixels at `scale`, as bytes and as floats,
    /// nil on overflow (an argument such as 1099511627776 steps).
    public static func pictureBytes(_ config: ModelConfig, rows: Int, columns: Int, scale: Int) -> Int? {
        guard let count = multiply([rows, columns]) else { return nil }
        return sum([samplingBytes(config, count: count), multiply([count, config.dimensions, scale, scale, 5])])
    }

    /// `1.5 GiB`, `12 MiB`, ...
    public static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : "\(String(format: value < 10 ? "%.1f" : "%.0f", value)) \(units[unit])"
    }

    /// Product with overflow: nil when it does not fit in `Int` or any factor is nil.
    public static func multiply(_ factors: [Int?]) -> Int? {
        var p = 1
        for f in factors {
            guard let f else { return nil }
            let (r, o) = p.multipliedReportingOverflow(by: f)
            if o { return nil }
            p = r
        }
        return p
    }

    /// Sum with overflow: nil when it does not fit in `Int` or any term is nil.
    public static func sum(_ terms: [Int?]) -> Int? {
        var s = 0
        for t in terms {
            guard let t else { return nil }
            let (r, o) = s.addingReportingOverflow(t)
            if o { return nil }
            s = r
        }
        return s
    }
}
