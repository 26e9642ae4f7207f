import FuzzSupport
import Foundation
import RDAIO

/// gzip (`Gzip.decompress` with a limit, as the IDX reader uses it, and `Gzip.prefix`): the output
/// never exceeds the limit, a prefix is the start of the whole, and recompressing round-trips.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(bytes, count)
    let limit = 1 << 20
    var whole: Data?
    Fuzz.expectCleanOutcome("gzip") {
        let out = try Gzip.decompress(data, source: "fuzz.gz", limit: limit)
        Fuzz.require(out.count <= limit, "gzip", "\(out.count) bytes out, over the limit \(limit)")
        Fuzz.require(try Gzip.decompress(Gzip.compress(out, level: 1)) == out, "gzip", "round trip differs")
        whole = out
    }
    Fuzz.expectCleanOutcome("gzip prefix") {
        let head = try Gzip.prefix(data, count: 16, source: "fuzz.gz")
        Fuzz.require(head.count <= 16, "gzip prefix", "\(head.count) bytes for a 16-byte prefix")
        if let whole { Fuzz.require(whole.prefix(16) == head, "gzip prefix", "prefix is not the start of the whole") }
    }
    return 0
}

/// With `RDA_FUZZ_SEEDS=DIR`, writes the seed inputs into DIR before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    Seeds.writeIfAsked { try Seeds.gzip() }
    return 0
}
