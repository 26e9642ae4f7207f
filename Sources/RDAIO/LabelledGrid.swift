/// A picture grid whose rows mean something (one interpolation, one traversed dimension, one
/// group of reconstructions...): small grey images scaled up by an integer factor, laid out row
/// by row, with a wider gap between groups of images in a row (e.g. example | reconstructions
/// | ..., or start | path | end) so that groups read as units. The row geometry is kept so that captions can be placed beside each row.
public struct LabelledGrid: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Grey pixels, row-major, `width * height`.
    public var pixels: [UInt8]
    /// Top pixel and height of each image row, top to bottom.
    public var rowTops: [Int]
    public var rowHeight: Int

    /// Lays out `rows` (each a list of images of `imageWidth * imageHeight` values in [0, 1],
    /// clamped, NaN as 0) with every image pixel repeated `scale` x `scale` times. Images in a
    /// row are `padding` pixels apart, except between groups, which are `groupGap` pixels apart;
    /// `groups` gives the sizes of consecutive groups in a row and repeats (e.g. [3]: triples;
    /// [1, 9, 1]: one, nine, one; empty: no groups). Rows are `padding` apart and `padding`
    /// surrounds the sheet; the gaps are `background`. Shorter rows leave their right end empty.
    ///
    /// Width: `padding + n * (w * scale + padding) + b * (groupGap - padding)` for the longest
    /// row's n images with b group boundaries between them.
    public init(rows: [[[Float]]], imageWidth: Int, imageHeight: Int, scale: Int = 2, groups: [Int] = [],
                padding: Int = 2, groupGap: Int = 10, background: UInt8 = 160) {
        let s = max(1, scale), w = max(1, imageWidth) * s, h = max(1, imageHeight) * s
        let pad = max(0, padding), gap = max(pad, groupGap)
        let pattern = groups.filter { $0 > 0 }
        // Group boundaries left of image i: the cumulative group sizes e with e <= i.
        func boundaries(before i: Int) -> Int {
            guard !pattern.isEmpty else { return 0 }
            var count = 0, end = 0, g = 0
            while true {
                end += pattern[g % pattern.count]
                if end > i { return count }
                count += 1
                g += 1
            }
        }
        func left(_ i: Int) -> Int { pad + i * (w + pad) + boundaries(before: i) * (gap - pad) }
        let longest = max(1, rows.map(\.count).max() ?? 1)
        width = left(longest - 1) + w + pad
        height = pad + max(rows.count, 1) * (h + pad)
        rowHeight = h
        rowTops = rows.indices.map { pad + $0 * (h + pad) }
        var out = [UInt8](repeating: background, count: width * height)
        for (r, row) in rows.enumerated() {
            for (i, image) in row.enumerated() {
                let x0 = left(i), y0 = rowTops[r]
                for y in 0..<h {
                    let sourceRow = (y / s) * imageWidth
                    for x in 0..<w {
                        let k = sourceRow + x / s
                        out[(y0 + y) * width + x0 + x] = k < image.count ? ImageGrid.byte(image[k]) : background
                    }
                }
            }
        }
        pixels = out
    }
}
