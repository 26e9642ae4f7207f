/// Where a model's training data came from, stored in the checkpoint metadata as `rda.data`
/// (beside `rda.training`): enough to draw the same examples again.
public struct DataRecord: Codable, Equatable, Sendable {
    /// The data: `mnist`, `fashion-mnist`, a folder, or `gaussian:V1,...`.
    public var data: String
    /// Training examples (nil: the default, all of an image set or 50,000 draws).
    public var examples: Int?
    /// Test examples (gaussian: sources).
    public var testExamples: Int
    /// Seed of the draws (gaussian: sources).
    public var dataSeed: UInt64
    /// The folder, its file counts, split, channels and crop (`images:DIR` data; nil otherwise).
    public var images: ImageDataRecord? = nil

    /// The data part of `request`.
    public init(_ request: TrainRequest) {
        data = request.data; examples = request.examples
        testExamples = request.testExamples; dataSeed = request.dataSeed
    }

    enum CodingKeys: String, CodingKey {
        case data, examples, images
        case testExamples = "test_examples", dataSeed = "data_seed"
    }
}
