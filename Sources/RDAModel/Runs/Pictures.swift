import RDAReport
import Foundation
import RDACore
import RDAIO

/// Images a model makes: samples (decompressed noise) and reconstructions.
public enum Pictures {
    /// Decodes `count` draws from the prior (the bottleneck's `samplePrior`: for the Gaussian
    /// channel z = mu_z + sigma_z z', z' ~ N(0, I); for the quantized one integer latents drawn
    /// from the discrete prior). Returns [count, D] values.
    public static func samples(_ model: RateDistortionAutoencoder, count: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let z = model.bottleneck.samplePrior(count: count, using: &rng)
        return withoutGradients { model.decode(z) }
    }

    /// The channels C of image examples of `shape` [C, H, W] with C = 1 (grey) or 3 (RGB), the
    /// shapes PNG pictures can show. `what` names the picture in the one-line error otherwise.
    public static func pictureChannels(_ shape: [Int], for what: String) throws -> Int {
        guard shape.count == 3, Dataset.imageChannelCounts.contains(shape[0]) else {
            throw RDAError("\(what): PNG pictures need grey [1, H, W] or colour [3, H, W] images; this model's examples have shape \(shape) (write .json instead)")
        }
        return shape[0]
    }

    /// A sheet of image rows [N, D] (D = C*H*W, each [C, H, W]), `columns` per row, as a grey or
    /// RGB PNG (the model must be an image model).
    public static func writeSheet(_ images: Tensor, shape: [Int], columns: Int, to url: URL) throws {
        let channels = try pictureChannels(shape, for: url.lastPathComponent)
        let rows = (0..<images.shape[0]).map { i in Array(UnsafeBufferPointer(start: images.data + i * images.shape[1], count: images.shape[1])) }
        let sheet = ImageGrid.tile(images: rows, imageWidth: shape[2], imageHeight: shape[1], columns: columns, channels: channels)
        try PNG.write(width: sheet.width, height: sheet.height, channels: channels, pixels: sheet.pixels, to: url)
    }

    /// Image `i` of rows [N, C*H*W] as 8-bit PNG pixels (grey, or r, g, b interleaved), each value
    /// clamped to [0, 1] and rounded as the grids do (`ImageGrid.byte`).
    public static func pixelBytes(_ images: Tensor, row i: Int, shape: [Int]) -> [UInt8] {
        let c = shape[0], plane = shape[1] * shape[2], d = images.shape[1], base = images.data + i * d
        var out = [UInt8](repeating: 0, count: c * plane)
        for p in 0..<plane {
            for ch in 0..<c { out[p * c + ch] = ImageGrid.byte(base[ch * plane + p]) }
        }
        return out
    }

    /// Rows of three: the example, its reconstruction through the evaluation channel (Gaussian:
    /// noisy; quantized: z~ = round(y)), and the noiseless one (z = mu; quantized: y unrounded). `count` examples chosen by `seed` from `data`.
    public static func reconstructions(_ model: RateDistortionAutoencoder, data: Dataset, count: Int, seed: UInt64) -> (originals: Tensor, noisy: Tensor, mean: Tensor) {
        var rng = SeededGenerator(seed: seed)
        let pick = Array(rng.permutation(data.count).prefix(count))
        let y = data.examples.gatherRows(pick[...])
        let noise = model.drawNoise(rows: y.shape[0], mode: .evaluation, using: &rng)
        return withoutGradients {
            let f = model.forward(y, noise: noise, mode: .evaluation)
            return (y, f.yHat, model.decode(f.bottleneck.noiseless))
        }
    }

    /// Writes a reconstruction sheet: each row holds triples (original, noisy, mean-latent).
    public static func writeReconstructionSheet(_ r: (originals: Tensor, noisy: Tensor, mean: Tensor), shape: [Int], triplesPerRow: Int = 4, to url: URL) throws {
        let n = r.originals.shape[0], d = r.originals.shape[1]
        let interleaved = Tensor(zeros: [3 * n, d])
        for i in 0..<n {
            for (j, t) in [r.originals, r.noisy, r.mean].enumerated() {
                (interleaved.data + (3 * i + j) * d).update(from: t.data + i * d, count: d)
            }
        }
        try writeSheet(interleaved, shape: shape, columns: 3 * triplesPerRow, to: url)
    }

    /// Rows [N, D] as JSON (an array of arrays), for models of non-image data.
    public static func writeJSON(_ t: Tensor, to url: URL) throws {
        let d = t.shape[1]
        // JSON cannot hold NaN or infinity: such a value is written as null.
        let rows = (0..<t.shape[0]).map { i in (0..<d).map { j -> Any in let v = Double(t.data[i * d + j]); return v.isFinite ? v : NSNull() } }
        let data = try JSONSerialization.data(withJSONObject: rows, options: [])
        try AtomicFile.write(data, to: url)
    }
}
