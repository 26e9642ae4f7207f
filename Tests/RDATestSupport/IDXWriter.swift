import Foundation
import RDAIO

/// Writing IDX files: only the tests make them (fixtures, hostile inputs), so the writer lives
/// here and rda itself only reads IDX (`IDX.decodeImages`, `IDX.decodeLabels`).
extension IDX {
    /// The uncompressed IDX bytes of `images`: IDX3 [N, H, W] for grey images, IDX4
    /// [N, H, W, C] (channels-last) when `images.channels` is not 1 or `fourDimensional` is set.
    public static func encodeImages(_ images: IDXImages, fourDimensional: Bool = false) throws -> Data {
        guard images.count > 0, images.rows > 0, images.cols > 0,
              images.count <= Int(UInt32.max), images.rows <= Int(UInt32.max), images.cols <= Int(UInt32.max)
        else {
            throw RDAIOError(.invalidArgument, subject: "IDX images",
                             problem: "cannot write \(images.count) images of \(images.rows)x\(images.cols)",
                             fix: "use count, rows and cols from 1 to 4294967295")
        }
        let expected = images.count.multipliedReportingOverflow(by: images.pixelsPerImage)
        guard !expected.overflow, expected.partialValue == images.pixels.count else {
            throw RDAIOError(.invalidArgument, subject: "IDX images",
                             problem: "\(images.count) images of \(images.rows)x\(images.cols) need \(expected.partialValue) pixels but \(images.pixels.count) were given",
                             fix: "pass count * rows * cols * channels pixels")
        }
        let fourD = fourDimensional || images.channels != 1
        var data = Data(capacity: 20 + images.pixels.count)
        let header = fourD
            ? [IDX.channelImagesMagic, UInt32(images.count), UInt32(images.rows), UInt32(images.cols), UInt32(images.channels)]
            : [IDX.imagesMagic, UInt32(images.count), UInt32(images.rows), UInt32(images.cols)]
        for value in header {
            appendBigEndianForTests(value, to: &data)
        }
        data.append(contentsOf: images.pixels)
        return data
    }

    /// The uncompressed IDX bytes of `labels`.
    public static func encodeLabels(_ labels: [UInt8]) throws -> Data {
        guard labels.count > 0, labels.count <= Int(UInt32.max) else {
            throw RDAIOError(.invalidArgument, subject: "IDX labels", problem: "cannot write \(labels.count) labels",
                             fix: "write from 1 to 4294967295 labels per file")
        }
        var data = Data(capacity: 8 + labels.count)
        appendBigEndianForTests(IDX.labelsMagic, to: &data)
        appendBigEndianForTests(UInt32(labels.count), to: &data)
        data.append(contentsOf: labels)
        return data
    }

    /// Writes `images` to `url` atomically (IDX4 for colour images), uncompressed unless `gzip` is true.
    public static func writeImages(_ images: IDXImages, to url: URL, gzip: Bool = false) throws {
        var data = try encodeImages(images)
        if gzip { data = try Gzip.compress(data) }
        try AtomicFile.write(data, to: url)
    }

    /// Writes `labels` to `url` atomically, uncompressed unless `gzip` is true.
    public static func writeLabels(_ labels: [UInt8], to url: URL, gzip: Bool = false) throws {
        var data = try encodeLabels(labels)
        if gzip { data = try Gzip.compress(data) }
        try AtomicFile.write(data, to: url)
    }

    /// Appends `value` big-endian, as IDX stores its header words.
    static func appendBigEndianForTests(_ value: UInt32, to data: inout Data) {
        withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }
}
