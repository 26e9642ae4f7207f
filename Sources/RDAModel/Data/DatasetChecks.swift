extension Dataset {
    /// Throws a one-line error when the two splits of a source hold examples of different shapes
    /// (e.g. 28x28 training images beside 32x32 test images, or 28x28 beside 14x56).
    public static func checkSplitsMatch(train: Dataset, test: Dataset, source: DataSource) throws {
        guard train.exampleShape == test.exampleShape else {
            throw RDAError("\(source): the training examples have shape \(train.exampleShape) but the test examples \(test.exampleShape); both splits must hold examples of one shape (check the IDX files)")
        }
    }
}
