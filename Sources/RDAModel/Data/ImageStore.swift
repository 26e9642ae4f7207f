import Foundation
import RDAIO

/// Decoded images of a folder (8-bit, interleaved, converted to the data set's channel count),
/// kept in memory up to `budget` bytes and decoded again on demand beyond it, evicting the least
/// recently used. Decoding is deterministic, so what is cached never changes a crop's values.
final class ImageStore {
    let root: URL
    let channels: Int
    let budget: Int
    var headers: [String: ImageHeader]
    var cache: [String: [UInt8]] = [:]
    /// Cached paths, least recently used first.
    var recent: [String] = []
    var used = 0
    /// The last image decoded when it did not fit the cache (one image beyond the budget, as
    /// the folder's memory check allows), so that crops of it in a row decode it once.
    var last: (path: String, pixels: [UInt8])? = nil
    /// Images decoded so far (a measure of how well the cache serves).
    private(set) var decodes = 0

    init(root: URL, paths: [String], headers: [ImageHeader], channels: Int, budget: Int) {
        self.root = root; self.channels = channels; self.budget = budget
        self.headers = Dictionary(uniqueKeysWithValues: zip(paths, headers))
    }

    /// Decodes `path` and keeps it when it fits; returns whether its alpha channel was dropped.
    /// Throws when it cannot be decoded or its size differs from its header's.
    func check(_ path: String) throws -> Bool {
        let (_, alpha) = try decode(path)
        return alpha
    }

    /// Forgets `path` (a file left out).
    func remove(_ path: String) {
        headers[path] = nil
        if last?.path == path { last = nil }
        if let p = cache.removeValue(forKey: path) { used -= p.count; recent.removeAll { $0 == path } }
    }

    /// The decoded pixels of `path`.
    func pixels(_ path: String) throws -> [UInt8] {
        if let p = cache[path] {
            if recent.last != path { recent.removeAll { $0 == path }; recent.append(path) }
            return p
        }
        if let last, last.path == path { return last.pixels }
        return try decode(path).pixels
    }

    private func decode(_ path: String) throws -> (pixels: [UInt8], alpha: Bool) {
        guard let header = headers[path] else { throw RDAError("\(path) is not an image of this folder") }
        let image = try ImageFile.read(path: root.appendingPathComponent(path).path)
        decodes += 1
        guard image.width == header.width, image.height == header.height else {
            throw RDAError("\(root.appendingPathComponent(path).path): the image is \(image.width)x\(image.height) but its header said \(header.width)x\(header.height) (changed since the folder was read?)")
        }
        let pixels = image.converted(toChannels: channels).pixels
        if pixels.count <= budget {
            if let old = cache.removeValue(forKey: path) { used -= old.count; recent.removeAll { $0 == path } }
            while used + pixels.count > budget, let oldest = recent.first {
                recent.removeFirst()
                used -= cache.removeValue(forKey: oldest)?.count ?? 0
            }
            cache[path] = pixels; recent.append(path); used += pixels.count
        } else {
            last = (path, pixels)
        }
        return (pixels, image.droppedAlpha)
    }

    /// Writes the `side` x `side` crop at (`x`, `y`) of `path` into `out` as Float in [0, 1],
    /// channel-planar [C, side, side]; pixels past the right or bottom edge repeat the last
    /// column or row (edge replication, for images smaller than the crop).
    func crop(_ path: String, x: Int, y: Int, side: Int, into out: UnsafeMutablePointer<Float>) throws {
        let p = try pixels(path)
        guard let h = headers[path] else { return }
        let c = channels, plane = side * side
        for row in 0..<side {
            let sy = min(y + row, h.height - 1)
            for col in 0..<side {
                let sx = min(x + col, h.width - 1)
                let at = (sy * h.width + sx) * c
                for ch in 0..<c { out[ch * plane + row * side + col] = Float(p[at + ch]) / 255 }
            }
        }
    }
}
