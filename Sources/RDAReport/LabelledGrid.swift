import RDAIO
/// A picture grid whose rows mean something (one interpolation, one traversed dimension, one
/// group of reconstructions...): small grey or colour images scaled up by an integer factor, laid out row
/// by row, with a wider gap between groups of images in a row (e.g. example | reconstructions
/// | ..., or start | path | end) so that groups read as units. Captions are drawn into the pixels
/// with `BitmapFont`: a title above the grid, a label above each image column, and a label left
/// of each row. The row geometry is kept as well (e.g. for an HTML page's own labels).
public struct LabelledGrid: Sendable, Equatable {
    /// Width of the whole sheet in pixels (margins and captions included).
    public var width: Int
    /// Height of the whole sheet in pixels (margins and captions included).
    public var height: Int
    /// Pixels, row-major, `width * height * channels` (grey, or r, g, b interleaved).
    public var pixels: [UInt8]
    /// Bytes per pixel: 1 (grey) or 3 (RGB, for colour images).
    public var channels: Int
    /// Top pixel and height of each image row, top to bottom.
    public var rowTops: [Int]
    /// Height in pixels of each image row (the image height times the scale).
    public var rowHeight: Int
    /// The font scale of the title and row labels (`textScale(forImageScale:)`).
    public var textScale: Int
    /// Left pixel of the first image column (the width of the row-label margin; 0 without row labels).
    public var imagesLeft: Int

    /// The font scale captions get beside images scaled by `scale`: 1 at scale 1, otherwise
    /// max(2, scale / 2) (so that labels stay readable beside, and small against, the images).
    public static func textScale(forImageScale scale: Int) -> Int { scale <= 1 ? 1 : max(2, scale / 2) }

    /// Lays out `rows` (each a list of images of `imageWidth * imageHeight` values in [0, 1],
    /// clamped, NaN as 0) with every image pixel repeated `scale` x `scale` times. Images in a
    /// row are `padding` pixels apart, except between groups, which are `groupGap` pixels apart;
    /// `groups` gives the sizes of consecutive groups in a row and repeats (e.g. [3]: triples;
    /// [1, 9, 1]: one, nine, one; empty: no groups). Rows are `padding` apart and `padding`
    /// surrounds the images; the gaps are `background`. Shorter rows leave their right end empty.
    ///
    /// Captions, in black (`ink`), with t = `textScale(forImageScale: scale)` and m = 3 t:
    /// - `rowLabels[r]` right-aligned in a left margin, centred on row r; the margin is
    ///   L = max label width + 2 m wide (0 without labels).
    /// - `columnLabels[i]` centred above image column i, at the largest font scale c <= t at which
    ///   every label is at most w * scale + `padding` - c pixels wide (so that neighbours stay at
    ///   least c apart), in a band of 7 c + 2 t pixels (0 without labels, or when one does not
    ///   fit even at scale 1: then none is drawn).
    /// - `title` word-wrapped to the sheet's width less 2 m (at least 30 characters), one line
    ///   per 10 t pixels, in a band of m + lines * 10 t pixels at the top (0 without a title).
    ///
    /// Width: max(L + G, widest title line + 2 m), where G = `padding + n * (w * scale + padding)
    /// + b * (groupGap - padding)` for the longest row's n images with b group boundaries between
    /// them. Height: title band + column band + `padding + rows * (h * scale + padding)`.
    ///
    /// Colour: with `channels` = 3 every image holds 3 planes of `imageWidth * imageHeight`
    /// values ([C, H, W], red first) and the pixels are RGB; the layout, background and captions
    /// are those of the grey grid (each channel is laid out as one, then interleaved).
    public init(rows: [[[Float]]], imageWidth: Int, imageHeight: Int, scale: Int = 2, groups: [Int] = [],
                padding: Int = 2, groupGap: Int = 10, background: UInt8 = 160,
                title: String = "", rowLabels: [String] = [], columnLabels: [String] = [], ink: UInt8 = 0,
                channels: Int = 1) {
        if channels > 1 {
            let plane = max(1, imageWidth) * max(1, imageHeight)
            let sheets = (0..<channels).map { c in
                LabelledGrid(rows: rows.map { $0.map { ChannelPlanes.plane($0, c, plane: plane) } }, imageWidth: imageWidth,
                             imageHeight: imageHeight, scale: scale, groups: groups, padding: padding, groupGap: groupGap,
                             background: background, title: title, rowLabels: rowLabels, columnLabels: columnLabels, ink: ink)
            }
            self = sheets[0]
            self.pixels = ChannelPlanes.interleave(sheets.map(\.pixels))
            self.channels = channels
            return
        }
        self.channels = 1
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
        let t = Self.textScale(forImageScale: s), m = 3 * t, lineStep = 10 * t
        let labels = rowLabels.prefix(rows.count)
        let labelWidth = labels.map { BitmapFont.textWidth($0, scale: t) }.max() ?? 0
        let marginLeft = labelWidth > 0 ? labelWidth + 2 * m : 0
        func left(_ i: Int) -> Int { marginLeft + pad + i * (w + pad) + boundaries(before: i) * (gap - pad) }
        let longest = max(1, rows.map(\.count).max() ?? 1)
        let gridRight = left(longest - 1) + w + pad
        let titleLines = BitmapFont.wrap(title, maxWidth: max(gridRight - 2 * m, BitmapFont.textWidth(String(repeating: "x", count: 30), scale: t)),
                                         scale: t)
        let titleBand = titleLines.isEmpty ? 0 : m + titleLines.count * lineStep
        // Column labels: the largest scale <= t where all fit above an image; none if they never do.
        var fitted = Array(columnLabels.prefix(longest))
        func fits(_ c: Int) -> Bool { fitted.allSatisfy { BitmapFont.textWidth($0, scale: c) <= w + pad - c } }
        var c = t
        while c > 1, !fits(c) { c -= 1 }
        if !fits(c) { fitted = [] }
        let columnBand = fitted.contains { !$0.isEmpty } ? BitmapFont.textHeight(scale: c) + 2 * t : 0
        let top = titleBand + columnBand
        width = max(gridRight, (titleLines.map { BitmapFont.textWidth($0, scale: t) }.max() ?? 0) + 2 * m)
        height = top + pad + max(rows.count, 1) * (h + pad)
        rowHeight = h
        textScale = t
        imagesLeft = marginLeft
        rowTops = rows.indices.map { top + pad + $0 * (h + pad) }
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
        for (i, line) in titleLines.enumerated() {
            BitmapFont.draw(line, x: m, y: m + i * lineStep, scale: t, ink: ink, into: &out, width: width, height: height)
        }
        for (i, label) in fitted.enumerated() where !label.isEmpty {
            BitmapFont.draw(label, x: left(i) + (w - BitmapFont.textWidth(label, scale: c)) / 2, y: titleBand + t, scale: c,
                            ink: ink, into: &out, width: width, height: height)
        }
        for (r, label) in labels.enumerated() {
            BitmapFont.draw(label, x: marginLeft - m - BitmapFont.textWidth(label, scale: t),
                            y: rowTops[r] + (h - BitmapFont.textHeight(scale: t)) / 2, scale: t, ink: ink,
                            into: &out, width: width, height: height)
        }
        pixels = out
    }
}
