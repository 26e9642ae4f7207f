/// How a folder of PNG and JPEG files (`images:DIR`) becomes training and test examples.
public struct ImageFolderOptions: Codable, Equatable, Sendable {
    /// The side S of the square crops the model trains on (nil: `defaultCrop`).
    public var crop: Int? = nil
    /// Channels of the examples, 1 grey or 3 RGB (nil: 3 if any image is colour, else 1).
    public var channels: Int? = nil
    /// The share of images in the test split when DIR has no train/ and test/ subfolders.
    public var testFraction: Double = 0.1
    /// Leave out files that cannot be read (named one per line) instead of refusing the folder.
    public var skipBad: Bool = false
    /// Pad images smaller than the crop by replicating their right and bottom edges instead of
    /// refusing them.
    public var pad: Bool = false
    /// The most decoded images kept in memory, in MB of 8-bit pixels (nil: what fits, a quarter
    /// of the memory this process may use).
    public var cacheMB: Int? = nil

    /// The crop side unless told: 64, as learned image codecs train.
    public static let defaultCrop = 64

    /// Every option at its default.
    public init() {}

    /// One-line errors naming the option for values that cannot work.
    public func validate() throws {
        if let s = crop, !(1...4096).contains(s) { throw RDAError("‹crop› \(s) must be 1...4096 pixels") }
        if let c = channels, !Dataset.imageChannelCounts.contains(c) { throw RDAError("‹channels› \(c) must be 1 (grey) or 3 (RGB)") }
        if !(testFraction > 0 && testFraction < 1) { throw RDAError("‹test-fraction› \(testFraction) must be between 0 and 1 (exclusive), e.g. 0.1") }
        if let m = cacheMB, m < 1 { throw RDAError("‹cache-mb› \(m) must be at least 1") }
    }
}
