import Foundation
import RDAIO

/// IDX files from values, for seeds and round trips: rda itself only reads IDX (its tests have
/// the writer), and the format is a big-endian header followed by the bytes.
public enum IDXBytes {
    static func file(_ header: [UInt32], _ body: [UInt8]) -> Data {
        var d = Data(capacity: 4 * header.count + body.count)
        for v in header { d.append(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> UInt32($0)) }) }
        d.append(contentsOf: body)
        return d
    }

    /// An images file: magic, count, rows, cols (and channels for colour, IDX4), then the pixels.
    public static func images(_ images: IDXImages) -> Data {
        images.channels == 1
            ? file([IDX.imagesMagic, UInt32(images.count), UInt32(images.rows), UInt32(images.cols)], images.pixels)
            : file([IDX.channelImagesMagic, UInt32(images.count), UInt32(images.rows), UInt32(images.cols), UInt32(images.channels)], images.pixels)
    }

    /// A labels file: magic, count, then the labels.
    public static func labels(_ labels: [UInt8]) -> Data {
        file([IDX.labelsMagic, UInt32(labels.count)], labels)
    }
}
