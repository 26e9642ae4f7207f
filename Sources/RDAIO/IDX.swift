import Foundation

/// Reading and writing IDX files (the MNIST / Fashion-MNIST format).
///
/// Layout: a big-endian u32 magic number (0x00000803 = 2051 for 3-D unsigned-byte data such as
/// grey images [N, H, W], 0x00000804 = 2052 for 4-D unsigned-byte data such as colour images
/// [N, H, W, C], 0x00000801 = 2049 for 1-D unsigned-byte data such as labels), one big-endian u32
/// per dimension, then the bytes. Files may be gzip-compressed; that is detected from the content
/// (bytes 1f 8b), never from the file name.
///
/// Colour images are stored channels-last, [N, H, W, C] with C = 1 or 3 (r, g, b interleaved per
/// pixel, rows top to bottom), as image arrays from PIL or NumPy and CIFAR-style converters hold
/// them; `IDXImages.floats(images:)` gives them channel-planar, [C, H, W] per image.
public enum IDX {
    /// Magic number of an IDX3 unsigned-byte file (grey images [N, H, W]).
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic number of an IDX4 unsigned-byte file (images [N, H, W, C], C = 1 or 3).
    public static let channelImagesMagic: UInt32 = 0x0000_0804
    /// The channel counts accepted in the last dimension of an IDX4 images file (grey, RGB).
    public static let imageChannelCounts = [1, 3]
    /// Magic number of an IDX1 unsigned-byte file (labels).
    public static let labelsMagic: UInt32 = 0x0000_0801
    /// Largest height or width accepted for an image (the header is checked before any data
    /// is decompressed or copied).
    public static let maximumImageSide = 4096
    /// Largest number of bytes (pixels or labels) accepted in one file: 2^30 (1 GiB, 4 GiB as
    /// float32 once loaded; MNIST's training images are 47 million).
    public static let maximumPayload = 1 << 30

    // MARK: Reading

    /// Reads an `*-images-idx3-ubyte` file, gzip-compressed or not.
    public static func readImages(at url: URL) throws -> IDXImages {
        try decodeImages(FileContents.read(url), source: url.path)
    }

    /// Reads an `*-labels-idx1-ubyte` file, gzip-compressed or not.
    public static func readLabels(at url: URL) throws -> [UInt8] {
        try decodeLabels(FileContents.read(url), source: url.path)
    }

    /// Decodes the bytes of an images file (gunzipping them first if they are gzip).
    /// `source` names the file in error messages.
    /// The header is read and checked (against `maximumImageSide` and `maximumPayload`) before
    /// the rest of a gzip file is inflated, and inflation stops at the size the header announces.
    public static func decodeImages(_ data: Data, source: String = "IDX images") throws -> IDXImages {
        let gzipped = Gzip.isGzip(data)
        let head = gzipped ? try Gzip.prefix(data, count: 20, source: source) : data
        // 3-D grey [N, H, W] or 4-D channels-last [N, H, W, C]: the magic number says which.
        let rank = head.count >= 4 && bigEndianU32(head, at: 0) == channelImagesMagic ? 4 : 3
        let header = try readHeader(head, expectedMagic: rank == 4 ? channelImagesMagic : imagesMagic, dimensions: rank,
                                    source: source, gzipped: gzipped)
        let (count, rows, cols) = (header.dims[0], header.dims[1], header.dims[2])
        let channels = rank == 4 ? header.dims[3] : 1
        if count == 0 {
            throw RDAIOError(.badHeader, subject: source, problem: "header says the file holds 0 images",
                             fix: "re-download the file or check that it is the right one")
        }
        if rows == 0 || cols == 0 {
            throw RDAIOError(.badHeader, subject: source,
                             problem: "header says images of \(rows)x\(cols) pixels; an image needs at least 1x1",
                             fix: "re-download the file or check that it is an IDX images file")
        }
        if !imageChannelCounts.contains(channels) {
            throw RDAIOError(.unsupported, subject: source,
                             problem: "header says \(header.dims.map(String.init).joined(separator: " x ")) with \(channels) channels last; an IDX4 images file is [N, H, W, C] with C = 1 (grey) or 3 (RGB)",
                             fix: "store the images channels-last (a [N, C, H, W] array transposed to [N, H, W, C]) with 1 or 3 channels")
        }
        let (perImage, o1) = rows.multipliedReportingOverflow(by: cols)
        let (perImageBytes, o3) = perImage.multipliedReportingOverflow(by: channels)
        let (payload, o2) = count.multipliedReportingOverflow(by: perImageBytes)
        let sizes = header.dims.map(String.init).joined(separator: " x ")
        if o1 || o2 || o3 {
            throw RDAIOError(.badHeader, subject: source,
                             problem: "header sizes \(sizes) are too large to be real",
                             fix: "re-download the file or check that it is an IDX images file")
        }
        if rows > maximumImageSide || cols > maximumImageSide || payload > maximumPayload {
            throw RDAIOError(.unsupported, subject: source,
                             problem: "header asks for \(count) images of \(rows)x\(cols) pixels\(channels > 1 ? " x \(channels) channels" : "") (\(payload) bytes); rda reads images of at most \(maximumImageSide)x\(maximumImageSide) pixels and at most \(maximumPayload) \(channels == 1 ? "pixels" : "bytes") per file",
                             fix: "use fewer or smaller images per file, or check that the header is right")
        }
        let headerSize = 4 + 4 * rank
        let raw = try expanded(data, gzipped: gzipped, expected: headerSize + payload, source: source)
        try checkLength(raw, headerSize: headerSize, payload: payload,
                        what: "\(count) images of \(rows)x\(cols)\(rank == 4 ? "x\(channels)" : "")", source: source, gzipped: gzipped)
        let pixels = [UInt8](raw[(raw.startIndex + headerSize)...])
        return IDXImages(count: count, rows: rows, cols: cols, channels: channels, pixels: pixels)
    }

    /// Decodes the bytes of a labels file (gunzipping them first if they are gzip).
    /// `source` names the file in error messages.
    public static func decodeLabels(_ data: Data, source: String = "IDX labels") throws -> [UInt8] {
        let gzipped = Gzip.isGzip(data)
        let head = gzipped ? try Gzip.prefix(data, count: 8, source: source) : data
        let header = try readHeader(head, expectedMagic: labelsMagic, dimensions: 1, source: source, gzipped: gzipped)
        let count = header.dims[0]
        if count == 0 {
            throw RDAIOError(.badHeader, subject: source, problem: "header says the file holds 0 labels",
                             fix: "re-download the file or check that it is the right one")
        }
        if count > maximumPayload {
            throw RDAIOError(.unsupported, subject: source,
                             problem: "header asks for \(count) labels; rda reads at most \(maximumPayload) per file",
                             fix: "use fewer labels per file, or check that the header is right")
        }
        let raw = try expanded(data, gzipped: gzipped, expected: 8 + count, source: source)
        try checkLength(raw, headerSize: 8, payload: count, what: "\(count) labels", source: source, gzipped: gzipped)
        return [UInt8](raw[(raw.startIndex + 8)...])
    }

    // MARK: Helpers

    struct Header {
        var dims: [Int]
    }

    /// The file's bytes, gunzipped when `gzipped`, inflating at most `expected` bytes (the
    /// size its checked header announces): more is reported as a size mismatch.
    static func expanded(_ data: Data, gzipped: Bool, expected: Int, source: String) throws -> Data {
        guard gzipped else { return data }
        return try Gzip.decompress(data, source: source, limit: expected, limitReason: "the \(expected) bytes its IDX header announces")
    }

    static func readHeader(_ raw: Data, expectedMagic: UInt32, dimensions: Int, source: String,
                           gzipped: Bool) throws -> Header {
        let headerSize = 4 + 4 * dimensions
        let kind = dimensions >= 3 ? "images" : "labels"
        let which = gzipped ? "decompressed data has" : "file has"
        guard raw.count >= 4 else {
            throw RDAIOError(.truncated, subject: source,
                             problem: "too short for an IDX \(kind) file: the \(which) \(raw.count) bytes, the header alone needs \(headerSize)",
                             fix: "re-download the file or check the copy")
        }
        let magic = bigEndianU32(raw, at: 0)
        if magic != expectedMagic {
            var hint = "check that this is an IDX \(kind) file"
            let typeNames: [UInt32: String] = [0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
                                               0x0C: "int32", 0x0D: "float32", 0x0E: "float64"]
            if magic >> 16 == 0, let typeName = typeNames[(magic >> 8) & 0xff] {
                let rank = magic & 0xff
                if magic == imagesMagic || magic == channelImagesMagic {
                    hint = "this looks like an images file; pass the labels file"
                } else if magic == labelsMagic {
                    hint = "this looks like a labels file; pass the images file"
                } else {
                    hint = "this is an IDX file of \(rank)-D \(typeName) data; only unsigned-byte \(dimensions == 1 ? "1-D" : "3-D [N, H, W] or 4-D [N, H, W, C]") files are supported"
                }
            }
            throw RDAIOError(.badMagic, subject: source,
                             problem: "wrong magic number \(hex(magic)) for an IDX \(kind) file (expected \(hex(expectedMagic)) = \(expectedMagic))",
                             fix: hint)
        }
        guard raw.count >= headerSize else {
            throw RDAIOError(.truncated, subject: source,
                             problem: "truncated IDX header: the \(which) \(raw.count) bytes, the header needs \(headerSize)",
                             fix: "re-download the file or check the copy")
        }
        let dims = (0..<dimensions).map { Int(bigEndianU32(raw, at: 4 + 4 * $0)) }
        return Header(dims: dims)
    }

    static func checkLength(_ raw: Data, headerSize: Int, payload: Int, what: String, source: String,
                            gzipped: Bool) throws {
        let (expected, overflow) = headerSize.addingReportingOverflow(payload)
        let which = gzipped ? "the decompressed data has" : "the file has"
        if overflow || raw.count < expected {
            throw RDAIOError(.truncated, subject: source,
                             problem: "truncated: header says \(what) (\(expected) bytes) but \(which) \(raw.count) bytes",
                             fix: "re-download the file or check the copy")
        }
        if raw.count > expected {
            throw RDAIOError(.trailingData, subject: source,
                             problem: "size mismatch: header says \(what) (\(expected) bytes) but \(which) \(raw.count) bytes (\(raw.count - expected) extra)",
                             fix: "the header count or the data is wrong; re-download the file or check the copy")
        }
    }

    /// The big-endian u32 at `offset` from the start of `bytes` (IDX and PNG headers).
    static func bigEndianU32<Bytes: RandomAccessCollection>(_ bytes: Bytes, at offset: Int) -> UInt32
        where Bytes.Element == UInt8, Bytes.Index == Int {
        let i = bytes.startIndex + offset
        return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    static func appendBigEndian(_ value: UInt32, to data: inout Data) {
        data.append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)])
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
