import Foundation

/// The IDX files of one image data set, as found by `DatasetLocator`.
public struct DatasetFiles: Equatable, Sendable {
    /// The folder the files were found in.
    public var directory: URL
    public var trainImages: URL
    public var testImages: URL
    /// nil when the folder has no training labels file (labels are optional for autoencoders).
    public var trainLabels: URL?
    /// nil when the folder has no test labels file.
    public var testLabels: URL?

    public init(directory: URL, trainImages: URL, testImages: URL, trainLabels: URL? = nil, testLabels: URL? = nil) {
        self.directory = directory
        self.trainImages = trainImages
        self.testImages = testImages
        self.trainLabels = trainLabels
        self.testLabels = testLabels
    }
}
