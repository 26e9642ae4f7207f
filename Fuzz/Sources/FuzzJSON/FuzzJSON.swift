import FuzzSupport
import Foundation
@testable import RDAIO

/// JSON: the strict parser that reads safetensors headers (`JSONValue.parse`) and the JSON-lines
/// reader of `metrics.jsonl` (`JSONLines.read`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(bytes, count)
    do {
        let value = try JSONValue.parse(data)
        _ = value.brief
    } catch let failure as JSONValue.ParseFailure {
        Fuzz.require(!failure.reason.isEmpty, "JSON", "empty parse failure")
    } catch {
        Fuzz.require(false, "JSON", "threw \(type(of: error)) instead of ParseFailure: \(error)")
    }
    Fuzz.expectCleanOutcome("JSON lines") {
        _ = try Fuzz.withTemporaryFile(data, name: "metrics.jsonl") { try JSONLines.read(from: $0) }
    }
    return 0
}

/// With `RDA_FUZZ_SEEDS=DIR`, writes the seed inputs into DIR before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    Seeds.writeIfAsked { Seeds.json() }
    return 0
}
