import RDAIO
import Foundation
import RDACoding

extension RateDistortionAutoencoder {
    /// SHA-256 of everything that decides what a compressed file decodes to: the configuration
    /// (JSON, sorted keys), then every parameter and every integer tensor (coding tables) in
    /// checkpoint order, each as its name, shape and little-endian values. A `.rdac` file records
    /// it, so that decompressing with another model is refused instead of decoding garbage.
    public var fingerprint: [UInt8] {
        var hash = SHA256()
        if let json = try? JSONEncoder.sorted.encode(config) { hash.update(Array(json)) }
        func add(_ name: String, _ shape: [Int], _ words: [UInt32]) {
            hash.update(Array(name.utf8) + [0])
            for d in shape { withUnsafeBytes(of: UInt64(d).littleEndian) { hash.update(Array($0)) } }
            words.withUnsafeBytes { raw in
                #if _endian(little)
                hash.update(raw)
                #else
                hash.update(words.flatMap { w in withUnsafeBytes(of: w.littleEndian) { Array($0) } })
                #endif
            }
        }
        for (name, t) in namedParameters { add(name, t.shape, t.values.map(\.bitPattern)) }
        for t in bottleneck.namedIntegerTensors { add("prior." + t.name, t.shape, t.values.map { UInt32(bitPattern: $0) }) }
        return hash.finalize()
    }
}
