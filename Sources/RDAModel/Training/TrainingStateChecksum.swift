import Foundation
import RDACoding
import RDAIO

/// The SHA-256 that `state.safetensors` carries in its metadata (`rda.checksum`), over every
/// tensor (name, shape, the float32 bits) and every other metadata entry, in name order. A
/// flipped bit in a weight, a moment, Adam's step count or the generator's state then refuses
/// the resume instead of continuing silently into another model. A state written before the
/// checksum existed (no `rda.checksum`) is still read.
enum TrainingStateChecksum {
    static let key = "rda.checksum"

    /// The checksum of `file` (its `rda.checksum` entry left out), as 64 hex digits.
    static func of(_ file: SafetensorsFile) -> String {
        var hasher = SHA256()
        func add(_ text: String) { hasher.update(Array(text.utf8) + [0]) }
        for name in file.sortedNames {
            let t = file.tensors[name]!
            add(name)
            add(t.shape.map(String.init).joined(separator: ","))
            add(t.dtype.rawValue)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(4 * max(t.values.count, t.integers.count))
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
            for v in t.integers { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
            hasher.update(bytes)
        }
        for k in file.metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where k != key {
            add(k)
            add(file.metadata[k]!)
        }
        return hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Stamps `file` with its checksum.
    static func stamp(_ file: inout SafetensorsFile) {
        file.metadata[key] = of(file)
    }

    /// Whether `file` is as written: its checksum matches, or it has none (an older rda's state).
    static func matches(_ file: SafetensorsFile) -> Bool {
        guard let stored = file.metadata[key] else { return true }
        return stored == of(file)
    }
}
