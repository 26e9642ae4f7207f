import Foundation
import RDACore
import RDAIO

/// A folder of PNG and JPEG files as a data set (`images:DIR`).
///
/// - Files: every `.png`, `.jpg` and `.jpeg` (any case) under DIR, recursively, in sorted order
///   of their paths relative to DIR. Other files are ignored.
/// - Split: when DIR holds `train/` and `test/` folders, the files under each are that split
///   (files elsewhere are ignored). Otherwise a file is a test image when the 64-bit FNV-1a hash
///   of its relative path, as a fraction of 2^64, is below `testFraction` (`splitHash`): adding or
///   removing a file never moves another between splits. With two or more images and none
///   falling in the test split, the one of smallest hash is taken for testing.
/// - Checks before any pixel is allocated: every header is read (`ImageHeader`, at most
///   `PNG.defaultMaximumPixels` each); files that cannot be read are named one per line and
///   refused unless `skipBad`; images smaller than the crop are refused by name unless `pad`.
///   Then every image is decoded once (a damaged body is caught here, like a bad header).
/// - Memory: decoded images are kept as 8-bit pixels in a cache of at most `cacheMB`
///   (`ImageStore`); when the training images need more, they are decoded again on demand.
public final class ImageFolder {
    /// One image file of the folder.
    public struct Entry: Sendable {
        /// The path relative to the folder ("train/a.png").
        public var relativePath: String
        /// Width and height from the header, and the file's own channel count.
        public var header: ImageHeader
        /// Which split it belongs to.
        public var split: Split
    }

    /// The folder as given.
    public let path: String
    /// The readable images, in sorted path order.
    public let entries: [Entry]
    /// Files that could not be read (left out with `skipBad`): relative path and reason.
    public let skipped: [(path: String, reason: String)]
    /// Whether the split came from train/ and test/ subfolders (else from the path hash).
    public let splitBySubfolders: Bool
    /// The example channels (1 or 3).
    public let channels: Int
    /// The crop side S.
    public let crop: Int
    /// Whether some image had an alpha channel that was dropped.
    public let droppedAlpha: Bool
    /// Decoded images (8-bit, converted to `channels`), cached within a budget.
    let store: ImageStore

    /// The images of `split`, in path order.
    public func entries(_ split: Split) -> [Entry] { entries.filter { $0.split == split } }

    /// Scans, splits, checks and decodes the folder at `path` (see the type's notes). `note`
    /// receives one line per skipped file, per dropped alpha channel summary.
    public init(path: String, options: ImageFolderOptions,
                note: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws {
        try options.validate()
        self.path = path
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RDAError("‹data› images:\(path): no such folder")
        }
        let files = try ImageFolder.imageFiles(under: root)
        guard !files.isEmpty else {
            throw RDAError("‹data› images:\(path): no .png, .jpg or .jpeg files in the folder or below it")
        }
        let hasSubfolders = ["train", "test"].allSatisfy { name in
            var dir: ObjCBool = false
            return FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &dir) && dir.boolValue
        }
        splitBySubfolders = hasSubfolders

        // headers first: sizes and colour, nothing decoded
        var good: [Entry] = [], bad: [(String, String)] = []
        for relative in files {
            let split: Split
            if hasSubfolders {
                if relative.hasPrefix("train/") { split = .train } else if relative.hasPrefix("test/") { split = .test } else { continue }
            } else {
                split = Double(ImageFolder.splitHash(relative)) / 0x1p64 < options.testFraction ? .test : .train
            }
            do {
                let data = try FileContents.read(root.appendingPathComponent(relative))
                good.append(Entry(relativePath: relative, header: try ImageHeader.read(data, source: relative), split: split))
            } catch {
                bad.append((relative, ImageFolder.reason(error, relative)))
            }
        }
        let side = options.crop ?? ImageFolderOptions.defaultCrop
        crop = side
        let channelCount = options.channels ?? (good.contains { $0.header.channels == 3 } ? 3 : 1)
        channels = channelCount
        if !options.pad {
            let small = good.filter { min($0.header.width, $0.header.height) < side }
            if !small.isEmpty {
                let names = small.prefix(5).map { "\($0.relativePath) (\($0.header.width)x\($0.header.height))" }.joined(separator: ", ")
                throw RDAError("‹data› images:\(path): \(small.count) image(s) smaller than the \(side)x\(side) crop: \(names)\(small.count > 5 ? ", ..." : ""); use a smaller ‹crop›, or ‹pad› to replicate their edges")
            }
        }

        // the cache budget, checked against memory before anything is decoded
        let bytes = good.map { MemoryEstimate.multiply([$0.header.width, $0.header.height, channelCount]) }
        let total = MemoryEstimate.sum(bytes) ?? Int.max
        let budget = options.cacheMB.map { $0 << 20 } ?? MemoryEstimate.available / 4
        let largest = bytes.map { $0 ?? Int.max }.max() ?? 0
        try MemoryEstimate.require(MemoryEstimate.multiply([min(total, max(budget, largest)), 1]),
                                   for: "decoding the \(good.count) images of images:\(path)",
                                   fix: "use a smaller ‹cache-mb› or fewer images")
        let store = ImageStore(root: root, paths: good.map(\.relativePath), headers: good.map(\.header), channels: channelCount,
                               budget: max(budget, 1))
        self.store = store
        // decode every image once: a damaged body is found now, not in the middle of training
        var kept: [Entry] = [], alpha = false
        for entry in good {
            do {
                alpha = try store.check(entry.relativePath) || alpha
                kept.append(entry)
            } catch {
                bad.append((entry.relativePath, ImageFolder.reason(error, entry.relativePath)))
                store.remove(entry.relativePath)
            }
        }
        droppedAlpha = alpha
        bad.sort { $0.0 < $1.0 }
        for (file, reason) in bad { note("\(options.skipBad ? "skipped" : "cannot read") \(root.appendingPathComponent(file).path): \(reason)") }
        if !bad.isEmpty && !options.skipBad {
            throw RDAError("‹data› images:\(path): \(bad.count) of \(bad.count + kept.count) image files cannot be read (listed above); fix or remove them, or pass ‹skip-bad› to leave them out")
        }
        skipped = bad
        if alpha { note("note: images:\(path): alpha channels are ignored (the colour values are used as stored)") }

        // at least one image in each split
        var split = kept
        if !hasSubfolders, split.count >= 2, !split.contains(where: { $0.split == .test }) {
            let first = split.indices.min { ImageFolder.splitHash(split[$0].relativePath) < ImageFolder.splitHash(split[$1].relativePath) }!
            split[first].split = .test
        }
        for s in Split.allCases where !split.contains(where: { $0.split == s }) {
            throw RDAError(hasSubfolders
                ? "‹data› images:\(path): its \(s.rawValue)/ folder holds no readable image"
                : "‹data› images:\(path): \(split.count) readable image(s); at least 2 are needed (one for testing)")
        }
        entries = split
    }

    /// The one-line reason of a failed read (the path prefix removed: the line names the file).
    static func reason(_ error: Error, _ relative: String) -> String {
        if let e = error as? RDAIOError { return e.problem }
        let text = "\(error)"
        return text.hasPrefix(relative + ": ") ? String(text.dropFirst(relative.count + 2)) : text
    }

    /// The relative paths of image files under `root`, sorted.
    static func imageFiles(under root: URL) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw RDAError("‹data› images:\(root.path): the folder cannot be read")
        }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let ext = (relative as NSString).pathExtension.lowercased()
            guard ImageFile.extensions.contains(ext) else { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    /// The 64-bit FNV-1a hash of `relativePath`'s UTF-8 bytes (offset basis 0xcbf29ce484222325,
    /// prime 0x100000001b3): what the hash split compares with `testFraction` * 2^64.
    public static func splitHash(_ relativePath: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in relativePath.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// One centre crop (S x S, edge-replicated where the image is smaller) of every image of
    /// `split`, as a data set of [C, S, S] examples: the fixed test set of a run.
    public func centreCrops(_ split: Split) throws -> Dataset {
        let chosen = entries.indices.filter { entries[$0].split == split }
        let d = channels * crop * crop
        try MemoryEstimate.require(MemoryEstimate.multiply([chosen.count, d, 4]),
                                   for: "\(chosen.count) \(split.rawValue) crops of \(crop)x\(crop)",
                                   fix: "use a smaller ‹crop›")
        let out = Tensor(zeros: [chosen.count, d])
        for (row, i) in chosen.enumerated() {
            let h = entries[i].header
            let x = max(0, (h.width - crop) / 2), y = max(0, (h.height - crop) / 2)
            try store.crop(entries[i].relativePath, x: x, y: y, side: crop, into: out.data + row * d)
        }
        return Dataset(examples: out, exampleShape: [channels, crop, crop], isImage: true)
    }
}
