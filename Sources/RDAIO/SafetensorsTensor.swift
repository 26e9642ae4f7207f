/// The element types rda reads and writes: float32 weights and int32 tables.
public enum SafetensorsDType: String, Sendable {
    case f32 = "F32", i32 = "I32"
}

/// One tensor of a safetensors file: its shape and its values in row-major order, float32
/// (`values`) or int32 (`integers`, e.g. the quantized channel's coding tables).
public struct SafetensorsTensor: Equatable, Sendable {
    /// Dimensions; [] for a scalar (one value).
    public var shape: [Int]
    /// The product of `shape` values, row-major (F32 tensors; empty for I32 ones).
    public var values: [Float]
    /// The product of `shape` values, row-major (I32 tensors; empty for F32 ones).
    public var integers: [Int32]
    public var dtype: SafetensorsDType

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
        integers = []
        dtype = .f32
    }

    public init(shape: [Int], integers: [Int32]) {
        self.shape = shape
        self.integers = integers
        values = []
        dtype = .i32
    }

    /// How many elements the tensor holds (of its dtype).
    public var storedCount: Int {
        switch dtype {
        case .f32: return values.count
        case .i32: return integers.count
        }
    }

    /// body(the elements as little-endian 4-byte words).
    func withLittleEndianBytes(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        #if _endian(little)
        switch dtype {
        case .f32: try values.withUnsafeBytes(body)
        case .i32: try integers.withUnsafeBytes(body)
        }
        #else
        switch dtype {
        case .f32: try values.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
        case .i32: try integers.map { $0.littleEndian }.withUnsafeBytes(body)
        }
        #endif
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
