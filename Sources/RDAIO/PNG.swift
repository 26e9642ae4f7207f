import CZlib
import Foundation

/// Writing 8-bit grey and RGB PNG files; reading every standard non-interlaced PNG (grey, RGB,
/// palette, grey + alpha, RGBA at every bit depth the format allows; alpha and tRNS are dropped).
///
/// The encoder writes the signature, IHDR, one IDAT (zlib stream of filtered rows, each row
/// using the filter that makes it smallest by the usual sum-of-absolute-differences guess)
/// and IEND, with CRC-32 from zlib. The decoder accepts any standard non-interlaced PNG: grey at
/// 1, 2, 4, 8 or 16 bits, palette at 1, 2, 4 or 8 bits (given as RGB; a tRNS chunk is skipped),
/// RGB, grey + alpha and RGBA at 8 or 16 bits (16-bit samples rounded to 8: `PNGSampleLayout`);
/// all five row filters, several IDAT chunks, ancillary chunks (skipped), and checks every CRC.
/// An alpha channel is dropped (the colour values are kept as stored, not composited) and
/// `PNGImage.droppedAlpha` says so.
public enum PNG {
    /// The 8-byte PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    // MARK: Encoding

    /// PNG bytes of a `width` x `height` grey image (`pixels`: rows top to bottom, 1 byte each).
    public static func encodeGray(width: Int, height: Int, pixels: [UInt8]) throws -> Data {
        try encode(PNGImage(width: width, height: height, channels: 1, pixels: pixels))
    }

    /// PNG bytes of a `width` x `height` RGB image (`pixels`: r, g, b per pixel, rows top to bottom).
    public static func encodeRGB(width: Int, height: Int, pixels: [UInt8]) throws -> Data {
        try encode(PNGImage(width: width, height: height, channels: 3, pixels: pixels))
    }

    /// Writes a grey PNG to `url` atomically.
    public static func writeGray(width: Int, height: Int, pixels: [UInt8], to url: URL) throws {
        try AtomicFile.write(encodeGray(width: width, height: height, pixels: pixels), to: url)
    }

    /// Writes an RGB PNG to `url` atomically.
    public static func writeRGB(width: Int, height: Int, pixels: [UInt8], to url: URL) throws {
        try AtomicFile.write(encodeRGB(width: width, height: height, pixels: pixels), to: url)
    }

    /// Writes a grey (`channels` 1) or RGB (`channels` 3, r, g, b per pixel) PNG to `url` atomically.
    public static func write(width: Int, height: Int, channels: Int, pixels: [UInt8], to url: URL) throws {
        try AtomicFile.write(encode(PNGImage(width: width, height: height, channels: channels, pixels: pixels)), to: url)
    }

    /// PNG bytes of `image` (1 or 3 channels).
    public static func encode(_ image: PNGImage) throws -> Data {
        let (width, height, channels) = (image.width, image.height, image.channels)
        guard channels == 1 || channels == 3 else {
            throw RDAIOError(.invalidArgument, subject: "PNG", problem: "cannot encode \(channels) channels",
                             fix: "use 1 (grey) or 3 (RGB) channels")
        }
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw RDAIOError(.invalidArgument, subject: "PNG", problem: "image size \(width)x\(height) is not allowed",
                             fix: "use a width and height from 1 to 2147483647")
        }
        let (rowBytes, o1) = width.multipliedReportingOverflow(by: channels)
        let (total, o2) = rowBytes.multipliedReportingOverflow(by: height)
        guard !o1, !o2, total == image.pixels.count else {
            throw RDAIOError(.invalidArgument, subject: "PNG",
                             problem: "a \(width)x\(height) image with \(channels) channel(s) needs \(total) bytes but \(image.pixels.count) were given",
                             fix: "pass width * height * channels pixel bytes")
        }

        let filtered = filterRows(image.pixels, rowBytes: rowBytes, height: height, bytesPerPixel: channels)
        let compressed = try Zlib.deflate(filtered, format: .zlib, level: 9)

        var header = Data()
        IDX.appendBigEndian(UInt32(width), to: &header)
        IDX.appendBigEndian(UInt32(height), to: &header)
        header.append(contentsOf: [8, channels == 1 ? 0 : 2, 0, 0, 0])  // depth, colour type, compression, filter, interlace

        var png = Data(signature)
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", compressed, to: &png)
        appendChunk("IEND", Data(), to: &png)
        return png
    }

    // MARK: Decoding

    /// The most pixels a decoded image may have unless the caller says otherwise: 2^26 (8192 x 8192).
    public static let defaultMaximumPixels = 1 << 26

    /// Reads a PNG file (any standard colour type and bit depth, alpha dropped; see `decode` for
    /// `expectedSize` and `maximumPixels`).
    public static func read(from url: URL, expectedSize: (width: Int, height: Int)? = nil,
                            maximumPixels: Int = defaultMaximumPixels) throws -> PNGImage {
        try decode(FileContents.read(url), source: url.path, expectedSize: expectedSize, maximumPixels: maximumPixels)
    }

    /// Decodes PNG bytes (any standard colour type and bit depth, non-interlaced; alpha dropped).
    /// `source` names them in errors.
    ///
    /// The header's size is checked against what the caller accepts before any image data is
    /// gathered or inflated: exactly `expectedSize` when given, and at most `maximumPixels`, so
    /// that a small file announcing a huge image (a decompression bomb) costs nothing.
    public static func decode(_ data: Data, source: String = "PNG data", expectedSize: (width: Int, height: Int)? = nil,
                              maximumPixels: Int = defaultMaximumPixels) throws -> PNGImage {
        let bytes = [UInt8](data)
        func fail(_ kind: RDAIOError.Kind, _ problem: String, _ fix: String = "re-create or re-download the file") -> RDAIOError {
            RDAIOError(kind, subject: source, problem: problem, fix: fix)
        }
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw fail(.badMagic, "not a PNG file (missing the 8-byte PNG signature)", "pass a .png file")
        }
        var offset = 8
        var width = 0, height = 0, channels = 0, samples = 0
        var sampleLayout = PNGSampleLayout(colourType: 0, depth: 8)!
        var palette: [UInt8]? = nil
        var sawHeader = false, sawEnd = false, idatDone = false, sawIDAT = false
        var compressed = Data()
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else {
                throw fail(.truncated, "truncated: chunk at byte \(offset) is cut off")
            }
            let length = Int(IDX.bigEndianU32(bytes, at: offset))
            let typeBytes = Array(bytes[(offset + 4)..<(offset + 8)])
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max), bytes.count - offset - 12 >= length else {
                throw fail(.truncated, "truncated: chunk '\(type)' at byte \(offset) says \(length) bytes but the file ends first")
            }
            let body = (offset + 8)..<(offset + 8 + length)
            let storedCRC = IDX.bigEndianU32(bytes, at: offset + 8 + length)
            let actualCRC = bytes.withUnsafeBytes { Zlib.crc32(UnsafeRawBufferPointer(rebasing: $0[(offset + 4)..<(offset + 8 + length)])) }
            guard storedCRC == actualCRC else {
                throw fail(.corruptData, "CRC mismatch in chunk '\(type)' at byte \(offset) (stored \(IDX.hex(storedCRC)), computed \(IDX.hex(actualCRC)))")
            }
            if !sawHeader && type != "IHDR" {
                throw fail(.badHeader, "first chunk is '\(type)', expected 'IHDR'")
            }
            if sawIDAT && type != "IDAT" { idatDone = true }
            switch type {
            case "IHDR":
                guard !sawHeader, length == 13 else { throw fail(.badHeader, "bad IHDR chunk (length \(length) or repeated)") }
                sawHeader = true
                width = Int(IDX.bigEndianU32(bytes, at: body.lowerBound))
                height = Int(IDX.bigEndianU32(bytes, at: body.lowerBound + 4))
                let depth = bytes[body.lowerBound + 8], colour = bytes[body.lowerBound + 9]
                let method = bytes[body.lowerBound + 10], filter = bytes[body.lowerBound + 11]
                let interlace = bytes[body.lowerBound + 12]
                guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
                    throw fail(.badHeader, "image size \(width)x\(height) is not valid")
                }
                if let expectedSize, (width, height) != (expectedSize.width, expectedSize.height) {
                    throw fail(.sizeMismatch, "the image is \(width)x\(height) but \(expectedSize.width)x\(expectedSize.height) is expected",
                               "give a \(expectedSize.width)x\(expectedSize.height) image")
                }
                guard width * height <= maximumPixels else {
                    throw fail(.unsupported, "the image is \(width)x\(height), more than the \(maximumPixels) pixels accepted here",
                               "use a smaller image")
                }
                guard method == 0, filter == 0 else {
                    throw fail(.badHeader, "unknown compression method \(method) or filter method \(filter)")
                }
                guard let layout = PNGSampleLayout(colourType: colour, depth: depth) else {
                    throw fail(.unsupported, "bit depth \(depth) with colour type \(colour) is not a valid PNG combination",
                               "save the image as a standard PNG (grey, RGB, palette, grey + alpha or RGBA)")
                }
                sampleLayout = layout
                samples = layout.samples
                guard interlace == 0 else {
                    throw fail(.unsupported, "interlaced PNG is not supported", "save the image without interlacing")
                }
                channels = layout.channels
            case "PLTE":
                guard palette == nil, length > 0, length % 3 == 0, length / 3 <= 256, !sawIDAT else {
                    throw fail(.badHeader, "bad PLTE chunk (length \(length), repeated or after the image data)")
                }
                palette = Array(bytes[body])
            case "IDAT":
                guard !idatDone else { throw fail(.badHeader, "IDAT chunks are not consecutive") }
                sawIDAT = true
                compressed.append(contentsOf: bytes[body])
            case "IEND":
                sawEnd = true
            default:
                // Bit 5 of the first letter: lowercase = ancillary (safe to skip).
                if typeBytes[0] & 0x20 == 0 {
                    throw fail(.unsupported, "critical chunk '\(type)' is not supported",
                               "save the image as a standard PNG")
                }
            }
            offset = body.upperBound + 4
            if sawEnd { break }
        }
        guard sawEnd else { throw fail(.truncated, "truncated: no IEND chunk") }
        guard offset == bytes.count else {
            throw fail(.trailingData, "\(bytes.count - offset) bytes after the IEND chunk")
        }
        guard sawIDAT else { throw fail(.badHeader, "no IDAT (image data) chunk") }

        if sampleLayout.isPalette && palette == nil { throw fail(.badHeader, "a palette image without a PLTE chunk") }
        let (bits, o1) = width.multipliedReportingOverflow(by: samples * sampleLayout.depth)
        let rowBytes = (bits &+ 7) / 8
        let (expected, o2) = (rowBytes &+ 1).multipliedReportingOverflow(by: height)
        let overflow = o1 || o2
        guard !overflow, expected <= (1 << 34) else {
            throw fail(.unsupported, "image \(width)x\(height) is too large", "use a smaller image")
        }
        let raw: Data
        do {
            raw = try Zlib.inflate(compressed, format: .zlib, sizeHint: initialBufferSize(expected: expected, compressed: compressed.count),
                                   limit: expected)
        } catch let failure as Zlib.InflateFailure {
            switch failure {
            case .truncated: throw fail(.truncated, "truncated image data (zlib stream ends early)")
            case .corrupt(let message): throw fail(.corruptData, "corrupt image data (\(message))")
            case .trailingData(_, let count): throw fail(.trailingData, "\(count) bytes after the end of the image data")
            case .outOfMemory: throw fail(.notReadable, "out of memory", "free some memory")
            case .exceedsLimit: throw fail(.trailingData, "image data decompresses to more than the \(expected) bytes a \(width)x\(height) image holds")
            }
        }
        guard raw.count == expected else {
            throw fail(raw.count < expected ? .truncated : .sizeMismatch,
                       "image data has \(raw.count) bytes but \(width)x\(height) with \(samples) value(s) per pixel needs \(expected)")
        }
        let unfiltered = try unfilterRows([UInt8](raw), rowBytes: rowBytes, height: height,
                                          bytesPerPixel: sampleLayout.filterBytesPerPixel, source: source)
        let stored = try sampleLayout.eightBitSamples(unfiltered, width: width, height: height, rowBytes: rowBytes,
                                                      palette: palette ?? [], source: source)
        samples = sampleLayout.eightBitSamplesPerPixel
        guard samples != channels else { return PNGImage(width: width, height: height, channels: channels, pixels: stored) }
        // drop alpha: keep the first `channels` of every `samples` values
        let pixelCount = width * height
        let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount * channels) { out, initialized in
            for p in 0..<pixelCount {
                for c in 0..<channels { out[p * channels + c] = stored[p * samples + c] }
            }
            initialized = pixelCount * channels
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels, droppedAlpha: true)
    }

    /// The first output buffer for inflating `compressed` bytes of image data that should give
    /// `expected` bytes: at most what deflate can expand them to (about 1032:1), so that a header
    /// announcing a huge image over a few bytes of data cannot make the reader allocate gigabytes
    /// (the buffer still grows, up to `expected`, as real data arrives).
    static func initialBufferSize(expected: Int, compressed: Int) -> Int {
        min(expected, compressed * 1032 + 1024)
    }

    // MARK: Row filters

    /// Filter type byte + filtered bytes for each row; per row the filter with the smallest sum
    /// of |signed byte| is chosen (the heuristic from the PNG specification).
    static func filterRows(_ pixels: [UInt8], rowBytes: Int, height: Int, bytesPerPixel bpp: Int) -> Data {
        var out = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        var best = [UInt8](repeating: 0, count: rowBytes)
        let zeros = [UInt8](repeating: 0, count: rowBytes)
        pixels.withUnsafeBufferPointer { p in
            for y in 0..<height {
                let row = UnsafeBufferPointer(rebasing: p[(y * rowBytes)..<((y + 1) * rowBytes)])
                zeros.withUnsafeBufferPointer { z in
                    let above = y > 0 ? UnsafeBufferPointer(rebasing: p[((y - 1) * rowBytes)..<(y * rowBytes)]) : z
                    var bestScore = Int.max
                    var bestType: UInt8 = 0
                    for type in UInt8(0)...4 {
                        var score = 0
                        for i in 0..<rowBytes {
                            let a = i >= bpp ? row[i - bpp] : 0
                            let b = above[i]
                            let c = i >= bpp ? above[i - bpp] : 0
                            let value = row[i] &- predictor(type, a, b, c)
                            candidate[i] = value
                            score += Int(value < 128 ? value : 255 - value + 1)
                        }
                        if score < bestScore {
                            bestScore = score
                            bestType = type
                            swap(&best, &candidate)
                        }
                    }
                    out[y * (rowBytes + 1)] = bestType
                    for i in 0..<rowBytes { out[y * (rowBytes + 1) + 1 + i] = best[i] }
                }
            }
        }
        return Data(out)
    }

    /// Undoes the row filters of decompressed image data.
    static func unfilterRows(_ raw: [UInt8], rowBytes: Int, height: Int, bytesPerPixel bpp: Int,
                             source: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rowBytes * height)
        for y in 0..<height {
            let type = raw[y * (rowBytes + 1)]
            guard type <= 4 else {
                throw RDAIOError(.corruptData, subject: source, problem: "row \(y) has unknown filter type \(type)",
                                 fix: "re-create or re-download the file")
            }
            let src = y * (rowBytes + 1) + 1
            let dst = y * rowBytes
            for i in 0..<rowBytes {
                let a = i >= bpp ? out[dst + i - bpp] : 0
                let b = y > 0 ? out[dst - rowBytes + i] : 0
                let c = (i >= bpp && y > 0) ? out[dst - rowBytes + i - bpp] : 0
                out[dst + i] = raw[src + i] &+ predictor(type, a, b, c)
            }
        }
        return out
    }

    /// The PNG predictor of filter `type` from left `a`, above `b`, upper-left `c`.
    @inline(__always) static func predictor(_ type: UInt8, _ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        switch type {
        case 1: return a
        case 2: return b
        case 3: return UInt8((Int(a) + Int(b)) / 2)
        case 4:
            let p = Int(a) + Int(b) - Int(c)
            let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
            if pa <= pb && pa <= pc { return a }
            return pb <= pc ? b : c
        default: return 0
        }
    }

    // MARK: Bytes

    static func appendChunk(_ type: String, _ body: Data, to png: inout Data) {
        IDX.appendBigEndian(UInt32(body.count), to: &png)
        var typed = Data(type.utf8)
        typed.append(body)
        png.append(typed)
        IDX.appendBigEndian(typed.withUnsafeBytes { Zlib.crc32($0) }, to: &png)
    }
}
