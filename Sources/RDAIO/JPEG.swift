import CJPEG
import Foundation

/// Reading (and, for tests and comparisons, writing) JPEG files through libjpeg-turbo.
///
/// Decoding goes through a C shim (Sources/CJPEG) whose error manager returns instead of
/// exiting and treats libjpeg's warnings (a file cut short, corrupt entropy-coded data) as
/// errors: a damaged file is a one-line `RDAIOError`, never a crash or a silently grey image.
/// The header is read first and its size checked against `maximumPixels` before anything is
/// decoded, and the pixel buffer grows with the rows decoded (see `rda_jpeg_decode`). Grey
/// JPEGs decode to 1 channel, colour ones (YCbCr, RGB) to 3; CMYK is refused by libjpeg's colour
/// conversion.
public enum JPEG {
    /// The first bytes of every JPEG file (the SOI marker and the next marker's 0xFF).
    public static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// Decodes JPEG bytes to an 8-bit grey or RGB image (`source` names them in errors).
    public static func decode(_ data: Data, source: String = "JPEG data",
                              maximumPixels: Int = PNG.defaultMaximumPixels) throws -> PNGImage {
        func fail(_ kind: RDAIOError.Kind, _ problem: String, _ fix: String = "re-create or re-download the file") -> RDAIOError {
            RDAIOError(kind, subject: source, problem: problem, fix: fix)
        }
        guard data.count >= 3, data.prefix(3).elementsEqual(signature) else {
            throw fail(.badMagic, "not a JPEG file (no FF D8 FF start marker)", "pass a .jpg file")
        }
        var message = [CChar](repeating: 0, count: 200)
        var width: Int32 = 0, height: Int32 = 0, components: Int32 = 0
        let headerStatus = data.withUnsafeBytes { raw in
            rda_jpeg_header(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &width, &height, &components, &message, message.count)
        }
        guard headerStatus == 0 else { throw fail(.corruptData, "bad JPEG header (\(text(message)))") }
        let (w, h) = (Int(width), Int(height))
        guard w > 0, h > 0 else { throw fail(.badHeader, "image size \(w)x\(h) is not valid") }
        guard w * h <= maximumPixels else {
            throw fail(.unsupported, "the image is \(w)x\(h), more than the \(maximumPixels) pixels accepted here", "use a smaller image")
        }
        let channels = components == 1 ? 1 : 3
        // the shim grows its buffer as rows arrive: a file cut short fails before the whole image is allocated
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        let status = data.withUnsafeBytes { raw in
            rda_jpeg_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, width, height, Int32(channels),
                            &buffer, &message, message.count)
        }
        guard status == 0, let buffer else {
            let reason = text(message)
            let truncated = reason.lowercased().contains("premature end")
            throw fail(truncated ? .truncated : .corruptData, "\(truncated ? "truncated" : "corrupt") JPEG data (\(reason))")
        }
        defer { rda_jpeg_free(buffer) }
        return PNGImage(width: w, height: h, channels: channels, pixels: Array(UnsafeBufferPointer(start: buffer, count: w * h * channels)))
    }

    /// Reads a JPEG file (see `decode`).
    public static func read(from url: URL, maximumPixels: Int = PNG.defaultMaximumPixels) throws -> PNGImage {
        try decode(FileContents.read(url), source: url.path, maximumPixels: maximumPixels)
    }

    /// JPEG bytes of an 8-bit grey or RGB `image` at `quality` 1-100 (baseline; colour as
    /// YCbCr 4:2:0, libjpeg's defaults).
    public static func encode(_ image: PNGImage, quality: Int = 90) throws -> Data {
        guard [1, 3].contains(image.channels), image.width > 0, image.height > 0,
              image.width <= 65_500, image.height <= 65_500,
              image.pixels.count == image.width * image.height * image.channels else {
            throw RDAIOError(.invalidArgument, subject: "JPEG", problem: "cannot encode a \(image.width)x\(image.height) image with \(image.channels) channel(s) and \(image.pixels.count) bytes",
                             fix: "give 1 or 3 channels, sides up to 65500, width * height * channels bytes")
        }
        guard (1...100).contains(quality) else {
            throw RDAIOError(.invalidArgument, subject: "JPEG", problem: "quality \(quality) is not 1...100", fix: "give a quality from 1 to 100")
        }
        var message = [CChar](repeating: 0, count: 200)
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer { p in
            rda_jpeg_encode(p.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), Int32(quality),
                            &buffer, &size, &message, message.count)
        }
        guard status == 0, let buffer else {
            throw RDAIOError(.invalidArgument, subject: "JPEG", problem: "libjpeg failed (\(text(message)))", fix: "")
        }
        defer { rda_jpeg_free(buffer) }
        return Data(bytes: buffer, count: size)
    }

    private static func text(_ message: [CChar]) -> String {
        let s = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return s.isEmpty ? "unknown libjpeg error" : s
    }
}
