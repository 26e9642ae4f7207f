import Foundation
import RDACore
import RDAIO

/// Examples as rows of a matrix, with the shape of one example.
public struct Dataset {
    /// [N, D]; pixels in [0, 1] for images.
    public let examples: Tensor
    /// [D] for vectors, [C, H, W] for images.
    public let exampleShape: [Int]
    /// Whether the examples are images (pixels in [0, 1]; PSNR is meaningful).
    public let isImage: Bool

    /// Examples [N, D] with their per-example shape.
    public init(examples: Tensor, exampleShape: [Int], isImage: Bool) {
        precondition(examples.rank == 2 && examples.shape[1] == exampleShape.reduce(1, *), "dataset rows \(examples.shape) vs example shape \(exampleShape)")
        self.examples = examples; self.exampleShape = exampleShape; self.isImage = isImage
    }

    /// Number of examples N.
    public var count: Int { examples.shape[0] }
    /// Dimensions D of one example.
    public var dimensions: Int { examples.shape[1] }

    /// The first `n` examples (all when n >= count).
    public func prefix(_ n: Int) -> Dataset {
        n >= count ? self : Dataset(examples: examples.slice(0..<n).detached(), exampleShape: exampleShape, isImage: isImage)
    }
}

/// Where examples come from (`--data`): a named image set, a folder of IDX files, or an
/// independent zero-mean Gaussian source.
public enum DataSource: Equatable, CustomStringConvertible {
    /// `mnist`, `fashion-mnist` (searched for), or a folder path holding IDX files.
    case idx(String)
    /// `gaussian:V1,V2,...`: y ~ N(0, diag(V)), train and test drawn from separate seeded streams.
    case gaussian([Double])

    /// Parses `--data`. Throws a one-line error for a malformed `gaussian:` spec.
    public static func parse(_ text: String) throws -> DataSource {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.lowercased().hasPrefix("gaussian:") else {
            guard !t.isEmpty else { throw RDAError("--data is empty: give mnist, fashion-mnist, a folder of IDX files, or gaussian:V1,V2,...") }
            return .idx(t)
        }
        let list = t.dropFirst("gaussian:".count)
        let items = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !list.isEmpty, !items.isEmpty else {
            throw RDAError("--data \(text): no variances; write e.g. gaussian:4,2,1,0.5,0.25")
        }
        var variances: [Double] = []
        for item in items {
            guard let v = Double(item), v.isFinite else {
                throw RDAError("--data \(text): '\(item)' is not a number; variances are positive numbers like gaussian:4,2,1")
            }
            guard v > 0 else {
                throw RDAError("--data \(text): variance \(item) is not positive; every variance must be > 0")
            }
            variances.append(v)
        }
        return .gaussian(variances)
    }

    /// The source as `--data` writes it.
    public var description: String {
        switch self {
        case .idx(let name): return name
        case .gaussian(let v): return "gaussian:" + v.map { formatNumber($0) }.joined(separator: ",")
        }
    }

    /// Loads a split. `examples` is the number of *training* examples: drawn for a Gaussian
    /// source (default 50,000; its test split has `testExamples`, seeded by `dataSeed`), or the
    /// first `examples` of an image set's training split (default all).
    public func load(split: Split, dataDir: String?, examples: Int? = nil, testExamples: Int = 100_000, dataSeed: UInt64 = 0) throws -> Dataset {
        switch self {
        case .idx(let name):
            let files = try DatasetLocator.locate(name, dataDir: dataDir)
            let images = try IDX.readImages(at: split == .train ? files.trainImages : files.testImages)
            let n = split == .train ? Swift.min(examples ?? images.count, images.count) : images.count
            let t = Tensor(shape: [n, images.rows * images.cols], values: images.floats(images: 0..<n))
            return Dataset(examples: t, exampleShape: [1, images.rows, images.cols], isImage: true)
        case .gaussian(let variances):
            // One stream per split, derived from the data seed, independent of the training seed.
            var root = SeededGenerator(seed: dataSeed ^ 0x6A09_E667_F3BC_C908)
            let trainRNG = root.split()
            var rng = split == .train ? trainRNG : root.split()
            let n = split == .train ? (examples ?? 50_000) : testExamples
            let d = variances.count
            let t = Tensor.randomNormal([n, d], using: &rng)
            let scale = variances.map { Float($0.squareRoot()) }
            for i in 0..<n { for j in 0..<d { t.data[i * d + j] *= scale[j] } }
            return Dataset(examples: t, exampleShape: [d], isImage: false)
        }
    }

    /// The analytic optimum for a Gaussian source (nil for image data).
    public var gaussianBound: GaussianRateDistortion? {
        if case .gaussian(let v) = self { return GaussianRateDistortion(variances: v) }
        return nil
    }
}

/// Which half of a data set.
public enum Split: String, Codable, CaseIterable, Sendable { case train, test }


