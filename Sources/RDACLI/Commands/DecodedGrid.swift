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

    /// The grid of rows [N, D] of greyscale images of `shape` [1, H, W].
    static func grid(_ x: Tensor, shape: [Int], scale: Int, caption: String) throws -> LabelledGrid {
        guard shape.count == 3, shape[0] == 1 else {
            throw RDAError("PNG grids need greyscale images; this model's examples have shape \(shape) (write FILE.csv instead)")
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
                            title: caption, rowLabels: labels)
    }

    /// Writes the grid as a grey PNG.
    static func write(_ x: Tensor, shape: [Int], scale: Int, caption: String, to url: URL) throws {
        let g = try grid(x, shape: shape, scale: scale, caption: caption)
        try PNG.writeGray(width: g.width, height: g.height, pixels: g.pixels, to: url)
    }
}
