import Foundation

/// One entry point for reading a picture file: PNG (any standard colour type and bit depth) or
/// JPEG, told apart by their first bytes, not by the name.
///
/// The result is an 8-bit grey (1 channel) or RGB (3 channels) `PNGImage`, interleaved, top row
/// first; an alpha channel is dropped (`droppedAlpha`). The declared size is checked against
/// `maximumPixels` before anything is allocated for the pixels.
public enum ImageFile {
    /// The file name extensions treated as images when scanning folders (lower case).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Reads and decodes the image file at `path`.
    public static func read(path: String, maximumPixels: Int = PNG.defaultMaximumPixels) throws -> PNGImage {
        let url = URL(fileURLWithPath: path)
        return try decode(FileContents.read(url), source: path, maximumPixels: maximumPixels)
    }

    /// Decodes PNG or JPEG bytes (`source` names them in errors).
    public static func decode(_ data: Data, source: String, maximumPixels: Int = PNG.defaultMaximumPixels) throws -> PNGImage {
        if data.prefix(8).elementsEqual(PNG.signature) {
            return try PNG.decode(data, source: source, maximumPixels: maximumPixels)
        }
        if data.prefix(3).elementsEqual(JPEG.signature) {
            return try JPEG.decode(data, source: source, maximumPixels: maximumPixels)
        }
        throw RDAIOError(.badMagic, subject: source, problem: "neither a PNG nor a JPEG file (unknown first bytes)",
                         fix: "pass a .png or .jpg file")
    }
}

extension PNGImage {
    /// The image converted to `channels` (1 or 3): grey to RGB repeats the grey value in all
    /// three channels; RGB to grey is the ITU-R BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B,
    /// rounded to the nearest 8-bit value (what libjpeg and Pillow's "L" mode use).
    public func converted(toChannels target: Int) -> PNGImage {
        precondition(target == 1 || target == 3, "channels must be 1 or 3")
        if target == channels { return self }
        let n = width * height
        var out = [UInt8](repeating: 0, count: n * target)
        if target == 3 {
            for p in 0..<n { let v = pixels[p]; out[3 * p] = v; out[3 * p + 1] = v; out[3 * p + 2] = v }
        } else {
            for p in 0..<n { out[p] = Self.luma(pixels[3 * p], pixels[3 * p + 1], pixels[3 * p + 2]) }
        }
        return PNGImage(width: width, height: height, channels: target, pixels: out, droppedAlpha: droppedAlpha)
    }

    /// ITU-R BT.601 luma of 8-bit r, g, b, rounded: (299 R + 587 G + 114 B + 500) / 1000.
    public static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let weighted: Int = 299 * Int(r) + 587 * Int(g) + 114 * Int(b)
        return UInt8((weighted + 500) / 1000)
    }

    /// The pixels converted to `channels` (1 or 3) as Float in [0, 1], channel-planar [C, H, W].
    public func planarFloats(channels target: Int) -> [Float] {
        converted(toChannels: target).planarFloats()
    }
}
