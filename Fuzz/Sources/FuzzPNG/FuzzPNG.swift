import FuzzSupport
import Foundation
import RDACoding
import RDAIO

/// PNG (`PNG.decode`: what `rda compress` reads): a decoded image holds width x height x channels
/// bytes and encodes back to the same image. Each input is read as it is and with every chunk's
/// CRC recomputed, so that mutations inside chunks reach the code past the CRC check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = Fuzz.data(bytes, count)
    let repaired = withRepairedCRCs(input)
    for data in repaired == input ? [input] : [input, repaired] {
        decode(data)
    }
    return 0
}

func decode(_ data: Data) {
    Fuzz.expectCleanOutcome("PNG") {
        let image = try PNG.decode(data, source: "fuzz.png")
        Fuzz.require(image.width > 0 && image.height > 0 && (image.channels == 1 || image.channels == 3)
                     && image.pixels.count == image.width * image.height * image.channels,
                     "PNG", "decoded \(image.width)x\(image.height)x\(image.channels) with \(image.pixels.count) bytes")
        Fuzz.require(try PNG.decode(PNG.encode(image)) == image, "PNG", "re-encoding changes the image")
    }
}

/// `data` with the CRC of each whole chunk after the signature recomputed.
func withRepairedCRCs(_ data: Data) -> Data {
    var bytes = [UInt8](data)
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        guard length <= bytes.count - offset - 12 else { break }
        let crc = CRC32.checksum(bytes[(offset + 4)..<(offset + 8 + length)])
        let at = offset + 8 + length
        bytes[at] = UInt8(crc >> 24); bytes[at + 1] = UInt8((crc >> 16) & 0xff)
        bytes[at + 2] = UInt8((crc >> 8) & 0xff); bytes[at + 3] = UInt8(crc & 0xff)
        offset = at + 4
    }
    return Data(bytes)
}

/// With `RDA_FUZZ_SEEDS=DIR`, writes the seed inputs into DIR before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    Seeds.writeIfAsked { try Seeds.png() }
    return 0
}
