import RDATestSupport
import Foundation
import Testing
import RDAIO

/// Issue 25, class 2: a PNG's header size is checked against what the caller accepts before its
/// image data is inflated. The image data here is not even a valid zlib stream: a reader that
/// inflated first would report corrupt data, not the size.
@Suite struct PNGBombTests {
    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        let crc = referenceCRC32(typed)
        func be(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xff) } }
        return be(body.count) + typed + be(Int(crc))
    }

    /// A PNG whose header claims `width` x `height` grey pixels over a few bytes of garbage data.
    static func bomb(width: Int, height: Int) -> Data {
        func be(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xff) } }
        let header = be(width) + be(height) + [8, 0, 0, 0, 0]
        return Data(PNG.signature + chunk("IHDR", header) + chunk("IDAT", [0x78, 0x9c, 0xff, 0xfe, 0xfd]) + chunk("IEND", []))
    }

    @Test(arguments: [(20000, 20000), (60000, 60000), (29, 28), (28, 1), (65535, 65535)])
    func expectedSizeIsCheckedBeforeInflating(width: Int, height: Int) {
        expectRDAIOError(.sizeMismatch, ["\(width)x\(height)", "28x28"]) {
            _ = try PNG.decode(Self.bomb(width: width, height: height), expectedSize: (width: 28, height: 28))
        }
    }

    @Test(arguments: [(20000, 20000), (60000, 60000), (1 << 31 - 1, 1), (8193, 8192)])
    func imagesBeyondThePixelBudgetAreRefusedBeforeInflating(width: Int, height: Int) {
        expectRDAIOError(.unsupported, ["\(width)x\(height)", "pixels accepted"]) {
            _ = try PNG.decode(Self.bomb(width: width, height: height))
        }
        // A caller's smaller budget holds as well.
        expectRDAIOError(.unsupported, ["pixels accepted"]) {
            _ = try PNG.decode(Self.bomb(width: 100, height: 100), maximumPixels: 9999)
        }
    }

    @Test func acceptedSizesStillDecode() throws {
        let pixels = (0..<(28 * 28)).map { UInt8($0 % 251) }
        let png = try PNG.encodeGray(width: 28, height: 28, pixels: pixels)
        let image = try PNG.decode(png, expectedSize: (width: 28, height: 28), maximumPixels: 28 * 28)
        #expect(image.pixels == pixels)
    }
}
