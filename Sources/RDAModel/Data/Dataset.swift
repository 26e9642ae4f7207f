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

    /// Images [N, C, H, W] (C = 1 grey or 3 RGB, pixels in [0, 1]) as a data set of examples of
    /// shape [C, H, W], each flattened channel-planar (all of channel 0, then 1, then 2). Any
    /// image source (IDX files today, folders of PNG and JPEG later) makes its tensors so.
    ///
    /// - Throws: `RDAError` when `images` is not [N, C, H, W] with C = 1 or 3.
    public static func images(_ images: Tensor) throws -> Dataset {
        let s = images.shape
        guard s.count == 4, s.allSatisfy({ $0 >= 1 }) else {
            throw RDAError("images of shape \(s) are not [N, C, H, W]")
        }
        guard Dataset.imageChannelCounts.contains(s[1]) else {
            throw RDAError("images with \(s[1]) channels: rda reads grey (1) or RGB (3) images")
        }
        // a view over the same values (no copy): row i is image i's C*H*W values
        return Dataset(examples: images.reshaped([s[0], s[1] * s[2] * s[3]]), exampleShape: [s[1], s[2], s[3]], isImage: true)
    }

    /// The channel counts of image examples: 1 (grey) and 3 (RGB).
    public static let imageChannelCounts = [1, 3]

    /// Channels C of image examples [C, H, W] (nil for vectors).
    public var imageChannels: Int? { isImage && exampleShape.count == 3 ? exampleShape[0] : nil }

    /// The first `n` examples (all when n >= count).
    public func prefix(_ n: Int) -> Dataset {
        n >= count ? self : Dataset(examples: examples.slice(0..<n).detached(), exampleShape: exampleShape, isImage: isImage)
    }
}

/// Where examples come from (a data spec): a named image set, a folder of IDX files, or an
/// independent zero-mean Gaussian or Laplace source.
public enum DataSource: Equatable, CustomStringConvertible {
    /// `mnist`, `fashion-mnist` (searched for), or a folder path holding IDX files.
    case idx(String)
    /// `gaussian:V1,V2,...`: y ~ N(0, diag(V)), train and test drawn from separate seeded streams.
    case gaussian([Double])
    /// `images:DIR`: every PNG and JPEG file under DIR (`ImageFolder`), as crops.
    case images(String)
    /// `laplace:B1,B2,...`: independent zero-mean Laplace components with scales B
    /// (density 1/(2b) exp(-|y|/b), E|y| = b), seeded like `gaussian:`.
    case laplace([Double])

    /// Parses a data spec. Throws a one-line error for a malformed `gaussian:` or `laplace:` spec.
    public static func parse(_ text: String) throws -> DataSource {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.lowercased().hasPrefix("gaussian:") {
            return .gaussian(try parameters(t.dropFirst("gaussian:".count), spec: text, prefix: "gaussian", noun: "variance", example: "4,2,1,0.5,0.25"))
        }
        if t.lowercased().hasPrefix("laplace:") {
            return .laplace(try parameters(t.dropFirst("laplace:".count), spec: text, prefix: "laplace", noun: "scale", example: "2,1,0.5"))
        }
        if t.lowercased().hasPrefix("images:") {
            let dir = String(t.dropFirst("images:".count))
            guard !dir.isEmpty else { throw RDAError("‹data› \(text): no folder; write images:DIR") }
            return .images(dir)
        }
        guard !t.isEmpty else { throw RDAError("‹data› is empty: give mnist, fashion-mnist, a folder of IDX files, images:DIR, gaussian:V1,V2,... or laplace:B1,B2,...") }
        return .idx(t)
    }

    /// The positive numbers after `gaussian:` / `laplace:` (one-line errors naming the bad item).
    private static func parameters(_ list: Substring, spec text: String, prefix: String, noun: String, example: String) throws -> [Double] {
        let items = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !list.isEmpty, !items.isEmpty else {
            throw RDAError("‹data› \(text): no \(noun)s; write e.g. \(prefix):\(example)")
        }
        var values: [Double] = []
        for item in items {
            guard let v = Double(item), v.isFinite else {
                throw RDAError("‹data› \(text): '\(item)' is not a number; \(noun)s are positive numbers like \(prefix):\(example)")
            }
            guard v > 0 else {
                throw RDAError("‹data› \(text): \(noun) \(item) is not positive; every \(noun) must be > 0")
            }
            values.append(v)
        }
        return values
    }

    /// The source as a data spec writes it.
    public var description: String {
        switch self {
        case .idx(let name): return name
        case .images(let dir): return "images:" + dir
        case .gaussian(let v): return "gaussian:" + v.map { formatNumber($0) }.joined(separator: ",")
        case .laplace(let b): return "laplace:" + b.map { formatNumber($0) }.joined(separator: ",")
        }
    }

    /// Loads a split. `examples` is the number of *training* examples: drawn for a Gaussian
    /// source (default 50,000; its test split has `testExamples`, seeded by `dataSeed`), or the
    /// first `examples` of an image set's training split (default all).
    /// `images:` folders give one centre crop per image of the split (`ImageFolder.centreCrops`)
    /// under `imageOptions`.
    public func load(split: Split, dataDir: String?, examples: Int? = nil, testExamples: Int = 100_000, dataSeed: UInt64 = 0,
                     imageOptions: ImageFolderOptions = ImageFolderOptions()) throws -> Dataset {
        switch self {
        case .images(let dir):
            let crops = try ImageFolder(path: dir, options: imageOptions).centreCrops(split)
            return split == .train ? crops.prefix(examples ?? crops.count) : crops
        case .idx(let name):
            if let e = examples, e < 1 { throw RDAError("‹examples› \(e) must be at least 1") }
            let files = try DatasetLocator.locate(name, dataDir: dataDir)
            let images = try IDX.readImages(at: split == .train ? files.trainImages : files.testImages)
            let n = split == .train ? Swift.min(examples ?? images.count, images.count) : images.count
            let c = images.channels
            try MemoryEstimate.require(MemoryEstimate.multiply([n, c, images.rows, images.cols, 4]),
                                       for: "\(n) \(split.rawValue) images of \(images.rows)x\(images.cols)\(c > 1 ? "x\(c)" : "") as float32",
                                       fix: "use fewer images (‹examples›) or a machine with more memory")
            // floats(images:) gives each image channel-planar, [C, H, W]
            return try .images(Tensor(shape: [n, c, images.rows, images.cols], values: images.floats(images: 0..<n)))
        case .gaussian(let variances):
            // One stream per split, derived from the data seed, independent of the training seed.
            var root = SeededGenerator(seed: dataSeed ^ 0x6A09_E667_F3BC_C908)
            let trainRNG = root.split()
            var rng = split == .train ? trainRNG : root.split()
            let n = split == .train ? (examples ?? TrainDefaults.syntheticTrainExamples) : testExamples
            let d = variances.count
            try Self.checkDraws(n, dimensions: d, split: split)
            let t = Tensor.randomNormal([n, d], using: &rng)
            let scale = variances.map { Float($0.squareRoot()) }
            for i in 0..<n { for j in 0..<d { t.data[i * d + j] *= scale[j] } }
            return Dataset(examples: t, exampleShape: [d], isImage: false)
        case .laplace(let scales):
            // Seeded like gaussian: (its own root constant): one stream per split.
            var root = SeededGenerator(seed: dataSeed ^ 0xBB67_AE85_84CA_A73B)
            let trainRNG = root.split()
            var rng = split == .train ? trainRNG : root.split()
            let n = split == .train ? (examples ?? TrainDefaults.syntheticTrainExamples) : testExamples
            let d = scales.count
            try Self.checkDraws(n, dimensions: d, split: split)
            let t = Tensor(zeros: [n, d])
            // Inverse CDF: u uniform on (0, 1), y = b ln(2u) below 1/2, -b ln(2 - 2u) above.
            for i in 0..<n {
                for j in 0..<d {
                    let u = (Double(rng.next() >> 11) + 0.5) * 0x1p-53
                    t.data[i * d + j] = Float(u < 0.5 ? scales[j] * Foundation.log(2 * u) : -scales[j] * Foundation.log(2 - 2 * u))
                }
            }
            return Dataset(examples: t, exampleShape: [d], isImage: false)
        }
    }

    /// The checks of a synthetic source's split before it is drawn: n >= 1, and n draws of d
    /// float32 values fit in memory (`gaussian:` and `laplace:` alike).
    static func checkDraws(_ n: Int, dimensions d: Int, split: Split) throws {
        guard n >= 1 else { throw RDAError("\(split == .train ? "‹examples›" : "‹test-examples›") \(n) must be at least 1") }
        try MemoryEstimate.require(MemoryEstimate.multiply([n, d, 4]),
                                   for: "\(n) \(split == .train ? "training (‹examples›)" : "test (‹test-examples›)") draws of \(d) dimensions",
                                   fix: "ask for fewer examples")
    }

    /// The distortion a model of this source trains under unless told: l1 for `laplace:` (its
    /// exact R(D) is for absolute error), l2 otherwise.
    public var defaultDistortion: DistortionKind {
        if case .laplace = self { return .l1 }
        return .l2
    }

    /// Whether the source is a synthetic vector source (`gaussian:`, `laplace:`), whose defaults
    /// are a linear RDA with latent dimension = source dimension and lambda 1.
    public var isSynthetic: Bool {
        switch self {
        case .idx, .images: return false
        case .gaussian, .laplace: return true
        }
    }

    /// The analytic optimum for a Gaussian source (nil for image data).
    public var gaussianBound: GaussianRateDistortion? {
        if case .gaussian(let v) = self { return GaussianRateDistortion(variances: v) }
        return nil
    }
}

/// Which half of a data set.
public enum Split: String, Codable, CaseIterable, Sendable {
    /// The training examples (what the model is fitted on).
    case train
    /// The held-out test examples (what evaluations and pictures use).
    case test
}


