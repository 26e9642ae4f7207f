/// An 8-bit image decoded from (or to be encoded as) PNG.
public struct PNGImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// 1 for grey, 3 for RGB.
    public var channels: Int
    /// `height` rows of `width * channels` bytes, top row first (RGB interleaved).
    public var pixels: [UInt8]
    /// Whether the file had an alpha channel that decoding dropped (grey + alpha, RGBA).
    public var droppedAlpha: Bool

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8], droppedAlpha: Bool = false) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.droppedAlpha = droppedAlpha
    }

    /// The pixels as Float in [0, 1] (value / 255), channel-planar: [C, H, W] (all of red, then
    /// green, then blue), the layout of rda's image examples.
    public func planarFloats() -> [Float] {
        let plane = width * height, c = channels
        var out = [Float](repeating: 0, count: plane * c)
        for p in 0..<plane {
            for ch in 0..<c { out[ch * plane + p] = Float(pixels[p * c + ch]) / 255 }
        }
        return out
    }
}
