import RDACore

/// Random square crops of a folder's training images, as training batches.
///
/// Each example of a batch draws, from the trainer's generator, an image (uniformly among the
/// training images), then the crop's left and top edges (uniformly among the positions where the
/// crop fits; an image smaller than the crop, with ‹pad›, has one position and its right and
/// bottom edges replicated). Three draws per example, so a run is reproducible from its seed and
/// a resume restores the generator exactly. The crops are cut image by image, so that an image
/// the cache cannot hold is decoded once per batch, not once per crop.
///
/// An epoch is as many crops as cover the training pixels once: the sum over the training
/// images of their (padded) pixel counts divided by S^2, at least 1.
public final class CropSampler: BatchSource {
    let folder: ImageFolder
    let train: [ImageFolder.Entry]

    /// Crops of `folder`'s training images.
    public init(_ folder: ImageFolder) {
        self.folder = folder
        train = folder.entries(.train)
    }

    /// Crops that cover the training pixels once.
    public var examplesPerEpoch: Int {
        let s = folder.crop
        let pixels = train.reduce(0) { $0 + max($1.header.width, s) * max($1.header.height, s) }
        return max(1, pixels / (s * s))
    }

    /// [C, S, S].
    public var exampleShape: [Int] { [folder.channels, folder.crop, folder.crop] }

    /// Nothing to plan: every crop is drawn when its batch is made.
    public func beginEpoch(using rng: inout SeededGenerator) {}

    /// `size` random crops [size, C * S * S].
    public func batch(step: Int, size: Int, using rng: inout SeededGenerator) throws -> Tensor {
        let s = folder.crop, d = folder.channels * s * s
        let out = Tensor(zeros: [size, d])
        var draws: [(image: Int, x: Int, y: Int)] = []
        for _ in 0..<size {
            let image = Int(rng.next() % UInt64(train.count))
            let h = train[image].header
            let x = Int(rng.next() % UInt64(max(h.width, s) - s + 1))
            let y = Int(rng.next() % UInt64(max(h.height, s) - s + 1))
            draws.append((image, x, y))
        }
        // cut image by image: with a cache smaller than the images, each is decoded once a batch
        for row in (0..<size).sorted(by: { draws[$0].image < draws[$1].image }) {
            let draw = draws[row]
            try folder.store.crop(train[draw.image].relativePath, x: draw.x, y: draw.y, side: s, into: out.data + row * d)
        }
        return out
    }
}
