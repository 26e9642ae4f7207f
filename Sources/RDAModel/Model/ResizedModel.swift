import RDACore

extension RateDistortionAutoencoder {
    /// The same `spatial` model for images of `height` x `width` (multiples of 2^k): the encoder
    /// and decoder are the very same layers (their parameter tensors shared, not copied: training
    /// either trains both); only the reshapes at their ends and the latent's positions change.
    /// The bottleneck is rebuilt for the new positions with the prior's per-channel values (a
    /// few numbers per latent channel) and coding tables copied over. Throws a one-line error for
    /// a dense architecture or a size that is not a multiple of 2^k.
    public func resized(height: Int, width: Int) throws -> RateDistortionAutoencoder {
        guard config.arch == .spatial else {
            throw RDAError("only ‹arch› spatial models code images of any size; this model is \(config.arch.rawValue) for \(config.exampleShape) examples")
        }
        var c = config
        c.exampleShape = [config.exampleShape[0], height, width]
        try SpatialNetwork.checkFits(exampleShape: c.exampleShape, widths: c.widths)
        if c.exampleShape == config.exampleShape { return self }
        let (enc, dec) = SpatialNetwork.reshaped(encoder, decoder, exampleShape: c.exampleShape, widths: c.widths, latentChannels: c.latentDim)
        let b = c.channelSettings.makeBottleneck(latent: c.latentShape)
        let mine = Dictionary(bottleneck.namedParameters.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        for (name, t) in b.namedParameters {
            guard let src = mine[name], src.shape == t.shape else {
                throw RDAError("the channel's parameter '\(name)' depends on the image size; it cannot be resized")
            }
            t.data.update(from: src.data, count: t.count)
        }
        let tables = Dictionary(bottleneck.namedIntegerTensors.map { ($0.name, ($0.shape, $0.values)) }, uniquingKeysWith: { a, _ in a })
        if !tables.isEmpty { try b.loadIntegerTensors { tables[$0].map { (shape: $0.0, values: $0.1) } } }
        return RateDistortionAutoencoder(config: c, encoder: enc, decoder: dec, bottleneck: b)
    }
}
