import RDAIO
/// Tiling small grey or colour images into one sheet (for sample and reconstruction PNGs).
public enum ImageGrid {
    /// Lays `images` out row by row, `columns` per row, with `padding` pixels of `background`
    /// between the images and around the edge.
    ///
    /// Each image holds `imageWidth * imageHeight` values in [0, 1] (row-major); values are
    /// clamped to [0, 1] (NaN becomes 0) and mapped to 0...255 with rounding. An image with too
    /// few values is completed with `background`, extra values are ignored. With no images the
    /// sheet is one empty cell. The sheet is `columns * imageWidth + (columns + 1) * padding`
    /// pixels wide (`columns` is reduced to the number of images when there are fewer).
    ///
    /// With `channels` = 3 each image holds 3 planes of `imageWidth * imageHeight` values
    /// ([C, H, W], red plane first) and the sheet's pixels are RGB (3 bytes per pixel, the
    /// background grey); with 1 (the default) they are grey, one byte per pixel.
    public static func tile(images: [[Float]], imageWidth: Int, imageHeight: Int, columns: Int,
                            padding: Int = 2, background: UInt8 = 128, channels: Int = 1) -> (width: Int, height: Int, pixels: [UInt8]) {
        if channels > 1 {
            let plane = max(1, imageWidth) * max(1, imageHeight)
            let sheets = (0..<channels).map { c in
                tile(images: images.map { ChannelPlanes.plane($0, c, plane: plane) }, imageWidth: imageWidth, imageHeight: imageHeight,
                     columns: columns, padding: padding, background: background)
            }
            return (sheets[0].width, sheets[0].height, ChannelPlanes.interleave(sheets.map(\.pixels)))
        }
        let w = max(1, imageWidth), h = max(1, imageHeight), pad = max(0, padding)
        let cols = max(1, min(columns, max(images.count, 1)))
        let rows = max(1, (images.count + cols - 1) / cols)
        let width = cols * w + (cols + 1) * pad
        let height = rows * h + (rows + 1) * pad
        var pixels = [UInt8](repeating: background, count: width * height)
        for (index, image) in images.enumerated() {
            let left = pad + (index % cols) * (w + pad)
            let top = pad + (index / cols) * (h + pad)
            let available = min(image.count, w * h)
            for k in 0..<available {
                pixels[(top + k / w) * width + left + k % w] = byte(image[k])
            }
        }
        return (width, height, pixels)
    }

    /// Original/reconstruction pairs side by side: each cell pair shows `originals[i]` then
    /// `reconstructions[i]`, `pairsPerRow` pairs per row (so `2 * pairsPerRow` images per row).
    /// Extra images in the longer list are ignored. `channels` as in `tile`.
    public static func pairs(originals: [[Float]], reconstructions: [[Float]], imageWidth: Int, imageHeight: Int,
                             pairsPerRow: Int, padding: Int = 2, background: UInt8 = 128, channels: Int = 1) -> (width: Int, height: Int, pixels: [UInt8]) {
        var interleaved: [[Float]] = []
        let n = min(originals.count, reconstructions.count)
        interleaved.reserveCapacity(2 * n)
        for i in 0..<n {
            interleaved.append(originals[i])
            interleaved.append(reconstructions[i])
        }
        return tile(images: interleaved, imageWidth: imageWidth, imageHeight: imageHeight,
                    columns: 2 * max(1, pairsPerRow), padding: padding, background: background, channels: channels)
    }

    /// A value in [0, 1] as a byte: clamped, NaN to 0, rounded to nearest.
    @inline(__always) public static func byte(_ value: Float) -> UInt8 {
        guard value > 0 else { return 0 }  // also catches NaN
        guard value < 1 else { return 255 }
        return UInt8((value * 255).rounded())
    }
}
