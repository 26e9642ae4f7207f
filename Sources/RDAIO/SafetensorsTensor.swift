/// One float32 tensor of a safetensors file: its shape and its values in row-major order.
public struct SafetensorsTensor: Equatable, Sendable {
    /// Dimensions; [] for a scalar (one value).
    public var shape: [Int]
    /// The product of `shape` values, row-major.
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// The number of values `shape` calls for, or nil if a dimension is negative or the product overflows.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
