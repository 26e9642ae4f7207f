import RDAReport
import Foundation
import RDACore
import RDAIO
import RDAModel

/// The picture `rda decompress --out FILE.png` writes: the decoded examples as a labelled grid,
/// scaled `--scale` times, with a caption (what was decoded from which file) and a label left
/// of each row naming the examples it holds (numbered from 1, in the file's order).
enum DecodedGrid {
    /// Images per row: the square root of the count, rounded up (at least 1).
    static func columns(count: Int) -> Int { max(1, Int(Double(count).squareRoot().rounded(.up))) }

    /// The grid of rows [N, D] of grey or RGB images of `shape` [C, H, W], C = 1 or 3.
    static func grid(_ x: Tensor, shape: [Int], scale: Int, caption: String) throws -> LabelledGrid {
        guard shape.count == 3, [1, 3].contains(shape[0]) else {
            throw RDAError("PNG grids need grey or RGB images; this model's examples have shape \(shape) (write FILE.csv instead)")
        }
        let n = x.shape[0], d = x.shape[1], cols = columns(count: n)
        var rows: [[[Float]]] = [], labels: [String] = []
        var start = 0
        while start < n {
            let end = min(n, start + cols)
            rows.append((start..<end).map { i in Array(UnsafeBufferPointer(start: x.data + i * d, count: d)) })
            labels.append(end - start == 1 ? "\(start + 1)" : "\(start + 1)-\(end)")
            start = end
        }
        return LabelledGrid(rows: rows, imageWidth: shape[2], imageHeight: shape[1], scale: scale,
                            title: caption, rowLabels: labels, channels: shape[0])
    }

    /// Writes the grid as a grey or RGB PNG (as the images are).
    static func write(_ x: Tensor, shape: [Int], scale: Int, caption: String, to url: URL) throws {
        let g = try grid(x, shape: shape, scale: scale, caption: caption)
        try PNG.write(width: g.width, height: g.height, channels: g.channels, pixels: g.pixels, to: url)
    }
}
