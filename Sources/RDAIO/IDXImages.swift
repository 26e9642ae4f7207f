/// A stack of equally sized 8-bit grey images, as stored in an IDX3 file.
///
/// `pixels` holds `count * rows * cols` bytes: image after image, each row-major
/// (0 = background, 255 = ink in MNIST).
public struct IDXImages: Equatable, Sendable {
    public var count: Int
    public var rows: Int
    public var cols: Int
    public var pixels: [UInt8]

    public init(count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        self.count = count
        self.rows = rows
        self.cols = cols
        self.pixels = pixels
    }

    /// rows * cols.
    public var pixelsPerImage: Int { rows * cols }

    /// The pixels of image `index`.
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        let size = pixelsPerImage
        return pixels[(index * size)..<((index + 1) * size)]
    }

    /// All pixels as Float in [0, 1] (pixel / 255), in the same order as `pixels`.
    public func floats() -> [Float] {
        IDXImages.unitFloats(pixels[...])
    }

    /// The pixels of images `range` as Float in [0, 1] (pixel / 255).
    public func floats(images range: Range<Int>) -> [Float] {
        let size = pixelsPerImage
        let lower = max(0, min(range.lowerBound, count))
        let upper = max(lower, min(range.upperBound, count))
        return IDXImages.unitFloats(pixels[(lower * size)..<(upper * size)])
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
