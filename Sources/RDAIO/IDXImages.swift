/// A stack of equally sized 8-bit images, as stored in an IDX3 file (grey, [N, H, W]) or an IDX4
/// file (channels-last, [N, H, W, C] with C = 1 or 3).
///
/// `pixels` holds `count * rows * cols * channels` bytes in file order: image after image, each
/// row-major, the channels of a pixel side by side (r, g, b); for MNIST 0 = background, 255 = ink.
public struct IDXImages: Equatable, Sendable {
    public var count: Int
    public var rows: Int
    public var cols: Int
    /// Values per pixel: 1 (grey) or 3 (RGB).
    public var channels: Int
    public var pixels: [UInt8]

    /// Images of `channels` values per pixel (1 = grey, the IDX3 layout; 3 = RGB, IDX4).
    public init(count: Int, rows: Int, cols: Int, channels: Int = 1, pixels: [UInt8]) {
        self.count = count
        self.rows = rows
        self.cols = cols
        self.channels = channels
        self.pixels = pixels
    }

    /// rows * cols * channels: the bytes of one image.
    public var pixelsPerImage: Int { rows * cols * channels }

    /// The bytes of image `index`, in file order (channels-last).
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        let size = pixelsPerImage
        return pixels[(index * size)..<((index + 1) * size)]
    }

    /// All pixels as Float in [0, 1] (pixel / 255), each image channel-planar [C, H, W].
    public func floats() -> [Float] {
        floats(images: 0..<count)
    }

    /// The pixels of images `range` as Float in [0, 1] (pixel / 255), each image channel-planar
    /// [C, H, W] (the file's order for grey images).
    public func floats(images range: Range<Int>) -> [Float] {
        let size = pixelsPerImage
        let lower = max(0, min(range.lowerBound, count))
        let upper = max(lower, min(range.upperBound, count))
        let unit = IDXImages.unitFloats(pixels[(lower * size)..<(upper * size)])
        guard channels > 1 else { return unit }
        return IDXImages.planar(unit, images: upper - lower, plane: rows * cols, channels: channels)
    }

    /// Channels-last images [n, plane, c] rearranged channel-planar [n, c, plane].
    static func planar(_ values: [Float], images n: Int, plane: Int, channels c: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: values.count) { out, initialized in
            values.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    let base = i * plane * c
                    for p in 0..<plane {
                        for ch in 0..<c { out[base + ch * plane + p] = src[base + p * c + ch] }
                    }
                }
            }
            initialized = values.count
        }
    }

    /// Bytes to Float / 255. The plain loop vectorizes (convert + divide), and division gives
    /// the correctly rounded pixel/255.
    static func unitFloats(_ bytes: ArraySlice<UInt8>) -> [Float] {
        let n = bytes.count
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    out[i] = Float(src[i]) / 255
                }
            }
            initialized = n
        }
    }
}
