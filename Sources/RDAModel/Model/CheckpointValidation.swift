import RDAIO

/// Checks a model file's configuration against sane limits and against the tensors actually in
/// the file, before any network is built: a 1 KB file must not be able to ask for terabytes, trap
/// on an overflow or build a network its weights do not fit.
///
/// The expected shapes are computed from the configuration alone (no allocation), mirroring
/// `NetworkBuilder.build` and `Prior`; `CheckpointValidationTests` checks that they equal the
/// shapes of a freshly built model for every architecture and prior. A new layer or channel adds
/// its tensors to `expectedShapes`.
public enum CheckpointValidation {
    /// Largest size accepted for any one dimension of the configuration (example dimensions,
    /// latent size, widths): far above any real model, far below an overflow.
    public static let maximumDimension = 1 << 24
    /// Largest number of elements accepted for one tensor (2^32 floats, 16 GiB).
    public static let maximumTensorElements = 1 << 32

    /// Every parameter tensor a model of `config` has, by checkpoint name, with its shape
    /// (`encoder.i.weight`, `decoder.i.bias`, `prior.mu`, ...).
    ///
    /// - Throws: `RDAError` naming the field when the configuration is out of range or
    ///   inconsistent (e.g. a conv model without [C, H, W] examples or two widths).
    public static func expectedShapes(_ config: ModelConfig) throws -> [String: [Int]] {
        func bad(_ what: String) -> RDAError {
            RDAError("the model configuration has \(what); the file is damaged or was not written by rda train (retrain or re-save the model)")
        }
        let limit = maximumDimension
        guard config.exampleShape.count == 1 || config.exampleShape.count == 3 else {
            throw bad("an example shape \(config.exampleShape) of \(config.exampleShape.count) dimensions (needs [D] or [C, H, W])")
        }
        guard config.exampleShape.allSatisfy({ (1...limit).contains($0) }) else {
            throw bad("an example shape \(config.exampleShape) with a size outside 1...\(limit)")
        }
        guard (1...limit).contains(config.latentDim) else {
            throw bad("latent size \(config.latentDim) outside 1...\(limit)")
        }
        guard config.widths.allSatisfy({ (1...limit).contains($0) }) else {
            throw bad("widths \(config.widths) with a size outside 1...\(limit)")
        }
        guard config.lambda > 0 && config.lambda.isFinite, Float(config.lambda).isNormal else {
            throw bad("lambda \(config.lambda) (needs a positive number within float32's range, as training uses it)")
        }
        let k = config.latentDim
        // what the bottleneck takes from the encoder per latent (Gaussian: mu and logvar)
        let outputs = k * config.channelSettings.encoderOutputsPerLatent
        // the decoder's outputs per dimension m (the discretized logistic: mean and log-scale)
        let m = config.distortion.decoderOutputsPerDimension
        guard let d = product(config.exampleShape), product([d, m]) != nil else { throw bad("an example shape \(config.exampleShape) too large to be real") }

        var shapes: [String: [Int]] = [:]
        func linear(_ prefix: String, _ inFeatures: Int, _ outFeatures: Int) {
            shapes["\(prefix).weight"] = [outFeatures, inFeatures]
            shapes["\(prefix).bias"] = [outFeatures]
        }
        switch config.arch {
        case .linear:
            linear("encoder.0", d, outputs)
            linear("decoder.0", k, d * m)
        case .mlp:
            // Encoder: Linear, ReLU pairs then Linear -> outputs; the decoder mirrors it (indices as
            // in nn.Sequential: every activation takes an index).
            var width = d, index = 0
            for h in config.widths { linear("encoder.\(index)", width, h); width = h; index += 2 }
            linear("encoder.\(index)", width, outputs)
            width = k; index = 0
            for h in config.widths.reversed() { linear("decoder.\(index)", width, h); width = h; index += 2 }
            linear("decoder.\(index)", width, d * m)
        case .conv:
            guard config.exampleShape.count == 3 else {
                throw bad("a conv model with example shape \(config.exampleShape) (needs [C, H, W])")
            }
            guard config.widths.count == 2 else { throw bad("a conv model with widths \(config.widths) (needs two channel counts)") }
            let (c, h, w) = (config.exampleShape[0], config.exampleShape[1], config.exampleShape[2])
            guard h % 4 == 0, w % 4 == 0 else { throw bad("a conv model for \(h)x\(w) images (needs multiples of 4)") }
            let (c1, c2) = (config.widths[0], config.widths[1])
            guard let flat = product([c2, h / 4, w / 4]) else { throw bad("a conv model too large to be real") }
            // Conv2d weight [out, in, 4, 4]; ConvTranspose2d weight [in, out, 4, 4].
            shapes["encoder.1.weight"] = [c1, c, 4, 4]; shapes["encoder.1.bias"] = [c1]
            shapes["encoder.3.weight"] = [c2, c1, 4, 4]; shapes["encoder.3.bias"] = [c2]
            linear("encoder.6", flat, outputs)
            linear("decoder.0", k, flat)
            shapes["decoder.3.weight"] = [c2, c1, 4, 4]; shapes["decoder.3.bias"] = [c1]
            shapes["decoder.5.weight"] = [c1, c * m, 4, 4]; shapes["decoder.5.bias"] = [c * m]
        case .resnet:
            do {
                shapes = try ResNetwork.parameterShapes(exampleShape: config.exampleShape, widths: config.widths, resBlocks: config.resBlocks,
                                                        hidden: config.hidden, latentDim: k, encoderOutputs: outputs, outputsPerDimension: m)
            } catch let e as RDAError { throw bad(e.message) }
        case .spatial:
            do { try SpatialNetwork.checkFits(exampleShape: config.exampleShape, widths: config.widths) } catch let e as RDAError { throw bad(e.message) }
            shapes = SpatialNetwork.parameterShapes(imageChannels: config.exampleShape[0], latentChannels: k,
                                                    encoderOutputs: outputs, widths: config.widths, outputsPerDimension: m)
        }
        let channelShapes: [String: [Int]]
        do { channelShapes = try config.channelSettings.parameterShapes(latent: config.latentShape) } catch let e as RDAError { throw bad(e.message) }
        for (name, shape) in channelShapes { shapes["prior.\(name)"] = shape }
        for (name, shape) in shapes {
            guard let n = product(shape), n <= maximumTensorElements else {
                throw bad("tensor '\(name)' of shape \(shape), more than \(maximumTensorElements) elements")
            }
        }
        return shapes
    }

    /// Checks `config` (see `expectedShapes`) and that every tensor it needs is among `tensors`
    /// (name -> shape, as stored in the file) with exactly that shape. Other tensors are allowed
    /// (e.g. training state). `source` names the file in messages.
    public static func validate(_ config: ModelConfig, tensors: [String: [Int]], source: String) throws {
        let expected: [String: [Int]]
        do { expected = try expectedShapes(config) } catch let e as RDAError { throw RDAError("\(source): \(e.message)") }
        for name in expected.keys.sorted() {
            guard let stored = tensors[name] else {
                throw RDAError("\(source): lacks tensor '\(name)' that a \(config.arch.rawValue) model needs; the file is incomplete or from another model")
            }
            guard stored == expected[name]! else {
                throw RDAError("\(source): tensor '\(name)' has shape \(stored) but the configuration needs \(expected[name]!); the file does not match its configuration")
            }
        }
    }

    /// Throws naming the first tensor (in name order) among `names` that holds a NaN or an
    /// infinity, with the index and value of its first such element.
    public static func checkFinite(_ tensors: [String: SafetensorsTensor], names: [String], source: String) throws {
        for name in names.sorted() {
            guard let values = tensors[name]?.values else { continue }
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw RDAError("\(source): tensor '\(name)' holds \(values[i]) at element \(i); a model must have finite weights (the training diverged or the file is damaged): retrain it or use an earlier checkpoint")
            }
        }
    }

    /// The product of `dims`, nil on overflow.
    static func product(_ dims: [Int]) -> Int? {
        var n = 1
        for x in dims {
            let (p, o) = n.multipliedReportingOverflow(by: x)
            if o { return nil }
            n = p
        }
        return n
    }
}
