import FuzzSupport
import Foundation
import RDAIO
import RDAModel

/// safetensors (`SafetensorsFile.decode`) and the model loader on top of it (`Checkpoint.load`:
/// what `rda eval`, `sample`, `compress` and `standardize` read). A decoded file encodes back to
/// bytes that decode and encode to themselves.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(bytes, count)
    let decoded = Fuzz.expectCleanOutcome("safetensors") {
        let file = try SafetensorsFile.decode(data, source: "fuzz.safetensors")
        // Compared as bytes: a NaN weight is not == itself.
        let again = try file.encoded()
        Fuzz.require(try SafetensorsFile.decode(again).encoded() == again, "safetensors", "re-encoding changes the file")
    }
    // The model loader reads a path; only inputs that are valid safetensors get past the reader.
    if decoded {
        Fuzz.expectCleanOutcome("Checkpoint.load") {
            _ = try Fuzz.withTemporaryFile(data, name: "model.safetensors") { try Checkpoint.load($0.path) }
        }
    }
    return 0
}

/// With `RDA_FUZZ_SEEDS=DIR`, writes the seed inputs into DIR before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    Seeds.writeIfAsked { try Seeds.safetensors() }
    return 0
}
