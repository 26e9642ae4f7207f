import Foundation
import RDACore
import RDAModel

/// The `spatial` benchmark's model and images: 64x64 RGB crops, batch 16, as the learned-codec
/// comparisons train (CompressAI's `FactorizedPrior` on random crops).
public enum SpatialBenchmark {
    /// Height and width of the benchmark's crops.
    public static let side = 64
    /// Images per step when the benchmark is not told.
    public static let defaultBatch = 16

    /// The default `spatial` model on [3, 64, 64] images (widths, latent channels: `SpatialNetwork`'s defaults).
    public static func config(distortion: DistortionKind, lambda: Double) -> ModelConfig {
        ModelConfig(arch: .spatial, exampleShape: [3, side, side], latentDim: SpatialNetwork.defaultLatentChannels,
                    widths: SpatialNetwork.defaultWidths, distortion: distortion, lambda: lambda, sigmoidOutput: true, data: "synthetic")
    }

    /// `n` smooth colour images [n, 3 * 64 * 64] in [0, 1] (sums of two random sinusoids per
    /// channel plus a little noise), deterministic given `seed`.
    public static func images(_ n: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let plane = side * side
        return Tensor(shape: [n, 3 * plane]) { out in
            for i in 0..<n {
                for c in 0..<3 {
                    let (fx, fy, phase) = (Float.random(in: 0.05...0.4, using: &rng), Float.random(in: 0.05...0.4, using: &rng), Float.random(in: 0...6.28, using: &rng))
                    for y in 0..<side {
                        for x in 0..<side {
                            let v = 0.5 + 0.35 * Foundation.sin(fx * Float(x) + fy * Float(y) + phase) + Float.random(in: -0.05...0.05, using: &rng)
                            out[i * 3 * plane + c * plane + y * side + x] = Swift.min(1, Swift.max(0, v))
                        }
                    }
                }
            }
        }
    }
}
