import RDAReport
import Foundation
import RDACore
import RDAIO

/// A labelled picture grid of a model: image rows with a caption per row, written as a PNG.
public struct LatentPicture {
    /// Each row: images of `exampleShape` values.
    public var rows: [[[Float]]]
    /// What each row is (same count as `rows`).
    public var rowLabels: [String]
    /// What the picture shows.
    public var caption: String
    /// Group sizes within a row (repeating), separated by wider gaps; see `LabelledGrid`.
    public var groups: [Int]
    /// What each image column is (e.g. example, channel, z = mu), drawn above the columns; may be empty.
    public var columnLabels: [String] = []

    /// The laid-out grid at `scale` (image models only: grey [1, H, W] or colour [3, H, W]), with
    /// `caption` as its title, `rowLabels` left of the rows and `columnLabels` above the columns drawn in.
    public func grid(shape: [Int], scale: Int) throws -> LabelledGrid {
        let channels = try Pictures.pictureChannels(shape, for: "pictures")
        return LabelledGrid(rows: rows, imageWidth: shape[2], imageHeight: shape[1], scale: scale, groups: groups,
                            title: caption, rowLabels: rowLabels, columnLabels: columnLabels, channels: channels)
    }

    /// Writes the grid, captions drawn in, as a grey or RGB PNG (as the images are) and returns its layout.
    @discardableResult
    public func write(to url: URL, shape: [Int], scale: Int) throws -> LabelledGrid {
        let g = try grid(shape: shape, scale: scale)
        try PNG.write(width: g.width, height: g.height, channels: g.channels, pixels: g.pixels, to: url)
        return g
    }
}

/// The latent space, seen: interpolations, traversals, samples and reconstructions as labelled
/// grids.
public enum LatentPictures {
    /// Rows of a tensor [N, D] as arrays.
    static func rows(_ t: Tensor) -> [[Float]] {
        let d = t.shape[1]
        return (0..<t.shape[0]).map { i in Array(UnsafeBufferPointer(start: t.data + i * d, count: d)) }
    }

    /// `count` test examples chosen by `seed`. Shapes: -> [count, D].
    static func pick(_ data: Dataset, count: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return data.examples.gatherRows(rng.permutation(data.count).prefix(min(count, data.count)))
    }

    /// Decoded draws from the prior, `columns` per row.
    public static func samples(_ model: RateDistortionAutoencoder, count: Int = 64, columns: Int = 8, seed: UInt64) -> LatentPicture {
        let all = rows(Pictures.samples(model, count: count, seed: seed))
        let cols = max(1, columns)
        let grouped = stride(from: 0, to: all.count, by: cols).map { Array(all[$0..<min($0 + cols, all.count)]) }
        return LatentPicture(rows: grouped, rowLabels: grouped.indices.map { "draws \($0 * cols + 1)-\($0 * cols + grouped[$0].count)" },
                             caption: "Samples: decoded draws z ~ p_hat(z) from the prior (decompressed noise).", groups: [])
    }

    /// Triples (example, noisy-channel reconstruction, z = mu reconstruction), `perRow` per row.
    public static func reconstructions(_ model: RateDistortionAutoencoder, data: Dataset, count: Int = 16, perRow: Int = 4,
                                       seed: UInt64) -> LatentPicture {
        let r = Pictures.reconstructions(model, data: data, count: count, seed: seed)
        let (o, n, m) = (rows(r.originals), rows(r.noisy), rows(r.mean))
        let per = max(1, perRow)
        var out: [[[Float]]] = [], labels: [String] = []
        for start in stride(from: 0, to: o.count, by: per) {
            out.append((start..<min(start + per, o.count)).flatMap { [o[$0], n[$0], m[$0]] })
            labels.append("examples \(start + 1)-\(min(start + per, o.count))")
        }
        let words = model.bottleneck.pictureWords
        let triple = ["example", words.channel, words.noiseless]
        return LatentPicture(rows: out, rowLabels: labels, caption: words.caption,
                             groups: [3], columnLabels: (0..<per).flatMap { _ in triple })
    }

    /// Interpolations between `pairs` pairs of examples through their noiseless latents (Gaussian
    /// channel: the means mu): row i is
    /// example a, decode((1 - t) mu_a + t mu_b) for `steps` values of t from 0 to 1, example b.
    /// Each row: 1 + steps + 1 images.
    public static func interpolations(_ model: RateDistortionAutoencoder, data: Dataset, pairs: Int = 6, steps: Int = 9,
                                      seed: UInt64) -> LatentPicture {
        let y = pick(data, count: 2 * pairs, seed: seed)
        let n = y.shape[0] / 2, k = model.config.latentShape.count, s = max(2, steps)
        guard n > 0 else { return LatentPicture(rows: [], rowLabels: [], caption: "", groups: []) }
        let mu = noiseless(model, y)
        let z = Tensor(zeros: [n * s, k])
        for i in 0..<n {
            for j in 0..<s {
                let t = Float(j) / Float(s - 1)
                for c in 0..<k {
                    z.data[(i * s + j) * k + c] = (1 - t) * mu.data[2 * i * k + c] + t * mu.data[(2 * i + 1) * k + c]
                }
            }
        }
        let decoded = rows(withoutGradients { model.decode(z) }), examples = rows(y)
        let out = (0..<n).map { i in [examples[2 * i]] + decoded[(i * s)..<((i + 1) * s)] + [examples[2 * i + 1]] }
        return LatentPicture(rows: out, rowLabels: (0..<n).map { "pair \($0 + 1)" },
                             caption: "Interpolations: example a | decode((1 - t) mu_a + t mu_b) for t = 0 ... 1 in \(s) steps | example b.",
                             groups: [1, s, 1],
                             columnLabels: ["a"] + (0..<s).map { tLabel(Double($0) / Double(s - 1)) } + ["b"])
    }

    /// The encoder's noiseless latent (Gaussian channel: mu; quantized: y unrounded). Shapes: [N, D] -> [N, K].
    static func noiseless(_ model: RateDistortionAutoencoder, _ y: Tensor) -> Tensor {
        withoutGradients { model.forward(y, noise: nil, mode: .noiseless).bottleneck.noiseless }
    }

    /// The latent dimensions, most active first, with their activity over `data`'s first 1000
    /// examples: for the Gaussian channel the closed-form rate of the dimension in nats
    /// (`Rate.closedFormPerDimension`); for other channels the standard deviation of the
    /// noiseless latent over the examples (`unit` says which).
    public static func activeDimensions(_ model: RateDistortionAutoencoder, data: Dataset) -> (dims: [(dim: Int, value: Double)], unit: String) {
        let y = data.examples.slice(0..<min(1000, data.count))
        let out = withoutGradients { model.forward(y, noise: nil, mode: .noiseless).bottleneck }
        let values: [Double], unit: String
        if let rates = model.bottleneck.rateByDimension(out) {
            values = rates
            unit = "nats"
        } else {
            let spread = spreads(out.noiseless)
            values = spread.map(\.std)
            unit = "std"
        }
        let dims = values.enumerated().map { (dim: $0.offset, value: $0.element) }.sorted { $0.value > $1.value }
        return (dims, unit)
    }

    /// Mean and standard deviation of each column of z [N, K].
    static func spreads(_ z: Tensor) -> [(mean: Double, std: Double)] {
        let n = z.shape[0], k = z.shape[1]
        return (0..<k).map { j in
            var s = 0.0, s2 = 0.0
            for i in 0..<n { let v = Double(z.data[i * k + j]); s += v; s2 += v * v }
            let m = s / Double(max(n, 1))
            return (m, (max(0, s2 / Double(max(n, 1)) - m * m)).squareRoot())
        }
    }

    /// Traversals of the `dims` most active latent dimensions: row i sets dimension d_i to the
    /// prior's mu_z + t sigma_z (Gaussian channel; other channels: the mean + t standard deviations
    /// of the noiseless latent over the data) for `steps` values of t from -`range` to +`range`,
    /// every other dimension fixed at the noiseless latent (mu) of one example (chosen by `seed`),
    /// and decodes. Each row: the example, then `steps` decodings.
    public static func traversals(_ model: RateDistortionAutoencoder, data: Dataset, dims: Int = 8, steps: Int = 9,
                                  range: Double = 2.5, seed: UInt64) -> LatentPicture {
        let k = model.config.latentShape.count, s = max(2, steps)
        let (ranked, unit) = activeDimensions(model, data: data)
        let active = Array(ranked.prefix(min(dims, k)))
        let y = pick(data, count: 1, seed: seed)
        let mu = noiseless(model, y)
        // The value at t for every dimension: z = mu_z + sigma_z t.
        let ts = (0..<s).map { -range + 2 * range * Double($0) / Double(s - 1) }
        let standard = Tensor(shape: [s, k], values: ts.flatMap { t in [Float](repeating: Float(t), count: k) })
        let priorAt: Tensor
        if let points = withoutGradients({ model.bottleneck.priorPoints(standard) }) {
            priorAt = points
        } else {
            let spread = spreads(noiseless(model, data.examples.slice(0..<min(1000, data.count))))
            priorAt = Tensor(shape: [s, k], values: ts.flatMap { t in spread.map { Float($0.mean + t * $0.std) } })
        }
        let z = Tensor(zeros: [active.count * s, k])
        for (i, a) in active.enumerated() {
            for j in 0..<s {
                let row = (i * s + j) * k
                (z.data + row).update(from: mu.data, count: k)
                z.data[row + a.dim] = priorAt.data[j * k + a.dim]
            }
        }
        let decoded = rows(withoutGradients { model.decode(z) }), example = rows(y)[0]
        let out = active.indices.map { i in [example] + decoded[(i * s)..<((i + 1) * s)] }
        return LatentPicture(rows: out,
                             rowLabels: active.map { "dim \($0.dim): \(formatNumber(($0.value * 100).rounded() / 100)) \(unit)" },
                             caption: unit == "nats"
                                ? "Traversals of the \(active.count) dimensions with the most rate: the example | its z = mu with one dimension set to mu_z + t sigma_z of the prior, t = \(formatNumber(-range)) ... \(formatNumber(range)) in \(s) steps."
                                : "Traversals of the \(active.count) dimensions with the widest spread: the example | its latent with one dimension set to its mean + t standard deviations over the data, t = \(formatNumber(-range)) ... \(formatNumber(range)) in \(s) steps.",
                             groups: [1, s], columnLabels: ["example"] + ts.map(tLabel))
    }

    /// A column's t rounded to 3 decimals, as its label.
    static func tLabel(_ t: Double) -> String {
        let r = (t * 1000).rounded() / 1000
        return formatNumber(r == 0 ? 0 : r)
    }
}
