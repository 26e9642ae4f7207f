import RDACore
import RDAModel

/// A small quantized-channel model for the tests (mlp, or conv with widths 4, 6, on 8x8 images;
/// latent k): the encoder's last layer scaled by 8 so its outputs spread over several integers,
/// and a learned prior given some shape.
func quantizedModel(_ arch: Architecture = .mlp, k: Int = 4, seed: UInt64 = 5) -> RateDistortionAutoencoder {
    var rng = SeededGenerator(seed: seed)
    let cfg = ModelConfig(arch: arch, exampleShape: [1, 8, 8], latentDim: k, widths: arch == .conv ? [4, 6] : [16],
                          distortion: .l2, lambda: 8, sigmoidOutput: true, data: "test", channel: .quantized(components: 2))
    let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
    // spread the encoder's outputs over several integers, and give the prior some shape
    if let last = model.encoder.layers.last as? Linear { for i in 0..<last.weight.count { last.weight.data[i] *= 8 } }
    let q = model.bottleneck as! QuantizedBottleneck
    for i in 0..<q.loc.count { q.logScale.data[i] = 0.3 * Float(i % 3); q.logits.data[i] = 0.2 * Float(i % 2) }
    return model
}
