import CJPEG
import Foundation

/// The size and colour of an image file read from its header alone, without decoding: what
/// folder scans check (against a pixel limit and a memory budget) before allocating any pixels.
public struct ImageHeader: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// Channels of the decoded image: 1 grey (grey, grey + alpha), 3 colour (RGB, RGBA, palette, YCbCr).
    public var channels: Int

    /// Reads the header of the PNG or JPEG `data` (`source` names it in errors) and refuses an
    /// image of more than `maximumPixels` pixels.
    public static func read(_ data: Data, source: String, maximumPixels: Int = PNG.defaultMaximumPixels) throws -> ImageHeader {
        func fail(_ kind: RDAIOError.Kind, _ problem: String) -> RDAIOError {
            RDAIOError(kind, subject: source, problem: problem, fix: "re-create or re-download the file")
        }
        let header: ImageHeader
        if data.prefix(8).elementsEqual(PNG.signature) {
            let b = [UInt8](data.prefix(33))
            guard b.count == 33, String(decoding: b[12..<16], as: UTF8.self) == "IHDR" else {
                throw fail(b.count < 33 ? .truncated : .badHeader, "no PNG header (IHDR) at the start")
            }
            let colour = b[25]
            header = ImageHeader(width: Int(IDX.bigEndianU32(b, at: 16)), height: Int(IDX.bigEndianU32(b, at: 20)),
                                 channels: colour == 0 || colour == 4 ? 1 : 3)
        } else if data.prefix(3).elementsEqual(JPEG.signature) {
            var message = [CChar](repeating: 0, count: 200)
            var w: Int32 = 0, h: Int32 = 0, components: Int32 = 0
            let status = data.withUnsafeBytes { raw in
                rda_jpeg_header(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &w, &h, &components, &message, message.count)
            }
            guard status == 0 else {
                let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw fail(.corruptData, "bad JPEG header (\(reason))")
            }
            header = ImageHeader(width: Int(w), height: Int(h), channels: components == 1 ? 1 : 3)
        } else {
            throw RDAIOError(.badMagic, subject: source, problem: "neither a PNG nor a JPEG file (unknown first bytes)",
                             fix: "remove it from the folder or convert it to PNG")
        }
        guard header.width > 0, header.height > 0, header.width <= Int(Int32.max), header.height <= Int(Int32.max) else {
            throw fail(.badHeader, "image size \(header.width)x\(header.height) is not valid")
        }
        guard header.width * header.height <= maximumPixels else {
            throw RDAIOError(.unsupported, subject: source,
                             problem: "the image is \(header.width)x\(header.height), more than the \(maximumPixels) pixels accepted here",
                             fix: "use a smaller image")
        }
        return header
    }
}
