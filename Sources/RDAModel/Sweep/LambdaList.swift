import Foundation
import RDAIO

/// The lambdas of a sweep (e.g. 0.25,1,4): positive, finite, distinct; kept sorted.
public enum LambdaList {
    /// Parses `0.5,1,2`: positive finite lambdas separated by commas, or throws a one-line `RDAError`.
    public static func parse(_ text: String) throws -> [Double] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RDAError("‹lambdas› is empty: give a comma-separated list such as 0.5,1,2,4")
        }
        var values: [Double] = []
        for item in items {
            guard let v = Double(item), v.isFinite else {
                throw RDAError("‹lambdas› \(text): '\(item)' is not a number; give a comma-separated list such as 0.5,1,2,4")
            }
            guard v > 0 else { throw RDAError("‹lambdas› \(text): \(item) is not positive; every lambda must be > 0") }
            guard Float(v).isNormal else { throw RDAError("‹lambdas› \(text): \(item) is outside the float32 range training uses (\(Float.leastNormalMagnitude) to \(Float.greatestFiniteMagnitude))") }
            guard !values.contains(v) else { throw RDAError("‹lambdas› \(text): \(item) appears twice; give each lambda once") }
            values.append(v)
        }
        return values.sorted()
    }

    /// The name of a lambda's run folder: `lambda-4`, `lambda-0.25`.
    public static func folderName(_ lambda: Double) -> String { "lambda-\(formatNumber(lambda))" }
}

/// One slice of a sweep for one machine (`I/N`, I from 1 to N): lambda number j (0-based,
/// sorted) belongs to shard (j mod N) + 1, so slices are interleaved and similar in cost.
public struct Shard: Equatable, Sendable {
    /// Slice `index` (1-based) of `count`.
    public let index: Int, count: Int

    /// Parses `I/N` with 1 <= I <= N, or throws a one-line `RDAError`.
    public static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw RDAError("‹shard› \(text): write I/N, e.g. ‹shard› 2/4 for the second of four slices")
        }
        guard n >= 1 else { throw RDAError("‹shard› \(text): the number of slices must be at least 1") }
        guard i >= 1 && i <= n else { throw RDAError("‹shard› \(text): the slice number must be between 1 and \(n)") }
        return Shard(index: i, count: n)
    }

    /// The lambdas of this slice.
    public func select(_ lambdas: [Double]) -> [Double] {
        lambdas.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }
}

