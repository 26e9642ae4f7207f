import FuzzSupport
import Foundation
import RDAIO

/// IDX images and labels files, gzip-compressed or not (`IDX.decodeImages`, `IDX.decodeLabels`:
/// what `rda train` reads). A decoded file must hold exactly the pixels its header announces and
/// encode back to the same images.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(bytes, count)
    Fuzz.expectCleanOutcome("IDX images") {
        let images = try IDX.decodeImages(data, source: "fuzz.idx")
        Fuzz.require(images.count > 0 && images.rows > 0 && images.cols > 0
                     && images.pixels.count == images.count * images.rows * images.cols * images.channels,
                     "IDX images", "decoded \(images.count)x\(images.rows)x\(images.cols) with \(images.pixels.count) pixels")
        Fuzz.require(try IDX.decodeImages(IDXBytes.images(images), source: "re-encoded") == images, "IDX images", "re-encoding changes the images")
    }
    Fuzz.expectCleanOutcome("IDX labels") {
        let labels = try IDX.decodeLabels(data, source: "fuzz.idx")
        Fuzz.require(!labels.isEmpty, "IDX labels", "decoded no labels")
        Fuzz.require(try IDX.decodeLabels(IDXBytes.labels(labels), source: "re-encoded") == labels, "IDX labels", "re-encoding changes the labels")
    }
    return 0
}

/// With `RDA_FUZZ_SEEDS=DIR`, writes the seed inputs into DIR before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    Seeds.writeIfAsked { try Seeds.idx() }
    return 0
}
