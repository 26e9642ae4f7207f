// The shape of one matrix product, and the class of shapes that share a calibrated backend.
import Foundation

/// One matrix product shape: C[m×n] = op(A)[m×k] * op(B)[k×n].
public struct GEMMShape: Sendable, Hashable, CustomStringConvertible {
    public var m: Int
    public var n: Int
    public var k: Int
    public var transA: Bool
    public var transB: Bool
    /// Whether this is one of the products of a training step (forward or backward of a layer).
    public var isTraining: Bool

    public init(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, isTraining: Bool = false) {
        self.m = m
        self.n = n
        self.k = k
        self.transA = transA
        self.transB = transB
        self.isTraining = isTraining
    }

    /// "NN", "NT", "TN" or "TT".
    public var transpose: String { (transA ? "T" : "N") + (transB ? "T" : "N") }

    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    public var description: String { "\(m)x\(n)x\(k) \(transpose)" }
}

/// Products that share one backend decision: the same transposes and m, n, k each within a
/// factor of about 1.4 of a power of two (the nearest power of two, `round(log2 x)`). The class
/// depends on the shape alone, so a given shape gets the same backend all run long.
public struct GEMMShapeClass: Sendable, Hashable, CustomStringConvertible {
    /// "NN", "NT", "TN" or "TT".
    public var transpose: String
    /// round(log2(m)), round(log2(n)), round(log2(k)).
    public var logM: Int, logN: Int, logK: Int

    public init(_ shape: GEMMShape) {
        transpose = shape.transpose
        logM = GEMMShapeClass.bucket(shape.m)
        logN = GEMMShapeClass.bucket(shape.n)
        logK = GEMMShapeClass.bucket(shape.k)
    }

    /// round(log2(x)) for x >= 1 (0 below): the power of two nearest x on a log scale (no integer
    /// x lies on a boundary 2^(p + 1/2)).
    static func bucket(_ x: Int) -> Int {
        x > 1 ? Int(log2(Double(x)).rounded()) : 0
    }

    /// e.g. "NT m2^7 n2^10 k2^9".
    public var description: String { "\(transpose) m2^\(logM) n2^\(logN) k2^\(logK)" }
}
