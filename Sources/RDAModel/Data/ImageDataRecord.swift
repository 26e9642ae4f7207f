/// What a run trained on when its data is a folder of images (`images:DIR`): stored in run.json
/// and in the model's `rda.data`, so that a reader sees the folder, its file counts, the split,
/// the channels and the crop without opening the folder.
public struct ImageDataRecord: Codable, Equatable, Sendable {
    /// The folder as given.
    public var folder: String
    /// Readable images in each split, and files left out (‹skip-bad›).
    public var trainFiles: Int, testFiles: Int, skippedFiles: Int
    /// How the split was made: `subfolders` (train/ and test/) or `hash` (FNV-1a of the
    /// relative path against `testFraction`).
    public var split: String
    /// The test fraction of a hash split (nil for subfolders).
    public var testFraction: Double?
    /// Example channels (1 grey, 3 RGB) and crop side S.
    public var channels: Int, crop: Int
    /// Whether images smaller than the crop were padded by edge replication.
    public var pad: Bool

    /// The record of `folder` opened with `options`.
    public init(_ folder: ImageFolder, options: ImageFolderOptions) {
        self.folder = folder.path
        trainFiles = folder.entries(.train).count; testFiles = folder.entries(.test).count
        skippedFiles = folder.skipped.count
        split = folder.splitBySubfolders ? "subfolders" : "hash"
        testFraction = folder.splitBySubfolders ? nil : options.testFraction
        channels = folder.channels; crop = folder.crop; pad = options.pad
    }

    enum CodingKeys: String, CodingKey {
        case folder, split, channels, crop, pad
        case trainFiles = "train_files", testFiles = "test_files", skippedFiles = "skipped_files", testFraction = "test_fraction"
    }
}
