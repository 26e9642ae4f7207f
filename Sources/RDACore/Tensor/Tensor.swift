import Foundation

/// A dense, row-major Float32 tensor with an explicit shape, and a node of the autodiff graph.
///
/// Shapes are written `[N, D]` (batch, features) or `[N, C, H, W]` (images, NCHW) in every op's
/// doc comment. A tensor made by an op from inputs that require gradients records its parents and
/// a backward function; `backward()` on a scalar runs those in reverse topological order and
/// *accumulates* (`+=`) into each input's `grad`, so a value used twice gets the sum of both
/// contributions.
public final class Tensor {
    /// The extent of each axis, outermost first.
    public let shape: [Int]
    /// Number of elements, the product of `shape` (1 for a scalar of shape `[]`).
    public let count: Int
    /// The values, row-major.
    public let buffer: Buffer
    /// Whether gradients flow to (and are stored for) this tensor.
    public internal(set) var requiresGrad: Bool
    /// d(loss)/d(self), same shape as `self`; allocated on first accumulation. After
    /// `zeroGrad()` it reads as zeros (the zeros are written lazily: the next backward pass
    /// overwrites the gradient instead of adding to a cleared buffer).
    public internal(set) var grad: Tensor? {
        get {
            if gradIsStale, let g = storedGrad {
                g.data.update(repeating: 0, count: g.count)
                gradIsStale = false
            }
            return storedGrad
        }
        set { storedGrad = newValue; gradIsStale = false }
    }
    /// The gradient's storage; its contents are meaningless while `gradIsStale`.
    var storedGrad: Tensor?
    /// Set by `zeroGrad()`: `storedGrad` is logically zero (see `gradientSink()`).
    var gradIsStale = false

    /// Counts the writes to the values that `markModified()` announced (`assign`, the
    /// optimizers' steps): what `PackedWeightCache` checks before reusing a packed weight.
    public private(set) var version = 0

    /// Announces a write to the values made through `data` (bumps `version`).
    public func markModified() { version &+= 1 }

    /// Set on a convolution's channels-last output: its gradient may come channels-last too
    /// (`ChannelsLastGradient`).
    var channelsLastGradient: ChannelsLastGradient?

    /// Inputs this tensor was computed from (empty for leaves and when no gradient is recorded).
    var parents: [Tensor] = []
    /// Reads `self.grad` and accumulates into the parents' gradients.
    var backwardFunction: ((Tensor) -> Void)?

    // MARK: Creation

    /// A tensor of the given shape whose contents are unspecified. Internal: ops overwrite it.
    init(uninitialized shape: [Int]) {
        require(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.buffer = Buffer(uninitialized: count)
        self.requiresGrad = false
    }

    /// A tensor over an existing buffer (views: reshape shares storage).
    init(buffer: Buffer, shape: [Int]) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        require(count == buffer.count || (count == 0 && buffer.count <= 1), "view of \(buffer.count) elements as \(shape)")
        self.buffer = buffer
        self.requiresGrad = false
    }

    /// Zeros of shape `shape`.
    public init(zeros shape: [Int]) {
        require(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.buffer = Buffer(zeros: count)
        self.requiresGrad = false
    }

    /// A tensor of shape `shape` holding `values` (row-major; `values.count` must equal the product of `shape`).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(uninitialized: shape)
        require(values.count == count, "\(values.count) values do not fill shape \(shape) (\(count) elements)")
        values.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// A tensor of shape `shape` whose values `fill` writes (all of them: the buffer starts
    /// with unspecified contents). Saves the intermediate `[Float]` of `init(shape:values:)`
    /// for large data sets.
    public convenience init(shape: [Int], filling fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        self.init(uninitialized: shape)
        try fill(UnsafeMutableBufferPointer(start: buffer.pointer, count: count))
    }

    /// A tensor of shape `shape` filled with `value`.
    public convenience init(shape: [Int], repeating value: Float) {
        self.init(uninitialized: shape)
        buffer.pointer.update(repeating: value, count: count)
    }

    /// A scalar (shape `[]`).
    public convenience init(_ scalar: Float) {
        self.init(shape: [], repeating: scalar)
    }

    /// Shape `shape`, entries i.i.d. N(0, 1) drawn from `rng`.
    public static func randomNormal(_ shape: [Int], using rng: inout SeededGenerator) -> Tensor {
        let t = Tensor(uninitialized: shape)
        rng.fillNormal(t.buffer.pointer, count: t.count)
        return t
    }

    /// Shape `shape`, entries i.i.d. uniform on [low, high) drawn from `rng`.
    public static func randomUniform(_ shape: [Int], low: Float, high: Float, using rng: inout SeededGenerator) -> Tensor {
        let t = Tensor(uninitialized: shape)
        for i in 0..<t.count { t.buffer.pointer[i] = low + (high - low) * rng.nextFloat() }
        return t
    }

    // MARK: Access

    /// Base address of the values.
    @inlinable public var data: UnsafeMutablePointer<Float> { buffer.pointer }
    /// The values as a Swift array (a copy).
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The single value of a one-element tensor.
    public var scalar: Float {
        require(count == 1, "scalar of a tensor of shape \(shape)")
        return data[0]
    }
    /// Number of axes.
    public var rank: Int { shape.count }

    /// Marks this tensor as a leaf whose gradient is wanted (a parameter). Returns `self`.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        require(parents.isEmpty, "requiringGrad is for leaves")
        requiresGrad = flag
        return self
    }

    /// Overwrites the values from `other` (same element count), keeping identity; no gradient.
    public func assign(_ other: Tensor) {
        require(other.count == count, "assign: shape \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
        markModified()
    }

    /// Overwrites the values from an array (same element count); no gradient.
    public func assign(_ values: [Float]) {
        require(values.count == count, "assign: \(values.count) values into shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
        markModified()
    }

    /// A copy of the values with no autodiff history.
    public func detached() -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.data.update(from: data, count: count)
        return t
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = values.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(shown)\(count > 8 ? ", ..." : "")]"
    }
}
