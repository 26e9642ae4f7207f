/// An 8-bit image decoded from (or to be encoded as) PNG.
public struct PNGImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// 1 for grey, 3 for RGB.
    public var channels: Int
    /// `height` rows of `width * channels` bytes, top row first (RGB interleaved).
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
