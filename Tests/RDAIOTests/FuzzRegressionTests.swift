import Foundation
import Testing
@testable import RDAIO

/// Inputs that the fuzz targets in Fuzz/ (or reading for them) showed to crash, hang or allocate
/// without bound, kept so that each stays fixed. Each also lies under Fuzz/Regressions/TARGET/,
/// which `scripts/fuzz` replays before fuzzing.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// A PNG whose IHDR announces 2147483647 x 8 grey pixels over a 3-byte zlib stream. The
    /// decoder sized its first inflation buffer from the header (16 GiB: ASan's allocation limit
    /// stopped the PNG fuzz target); it now starts from what the compressed bytes can hold.
    @Test func pngHeaderAnnouncingAHugeImageOverTinyData() throws {
        var png = Data(PNG.signature)
        var header = Data()
        IDX.appendBigEndian(0x7FFF_FFFF, to: &header)
        IDX.appendBigEndian(8, to: &header)
        header.append(contentsOf: [8, 0, 0, 0, 0])
        let idat = try Zlib.deflate(Data([0, 1, 2]), format: .zlib)
        PNG.appendChunk("IHDR", header, to: &png)
        PNG.appendChunk("IDAT", idat, to: &png)
        PNG.appendChunk("IEND", Data(), to: &png)
        let expected = (0x7FFF_FFFF + 1) * 8
        let buffer = PNG.initialBufferSize(expected: expected, compressed: idat.count)
        #expect(buffer <= idat.count * 1032 + 1024)
        #expect(buffer < 1 << 20)
        // A small image is still given its whole size at once.
        #expect(PNG.initialBufferSize(expected: 29 * 28, compressed: 400) == 29 * 28)
        // The header alone is now refused (issue 25: the pixel budget is checked before inflating) ...
        #expect {
            try PNG.decode(png, source: "huge.png")
        } throws: { error in
            (error as? RDAIOError)?.kind == .unsupported && "\(error)".contains("huge.png")
        }
        // ... and with a budget that admits it, the tiny data is found truncated, without a huge buffer.
        #expect {
            try PNG.decode(png, source: "huge.png", maximumPixels: .max)
        } throws: { error in
            (error as? RDAIOError)?.kind == .truncated && "\(error)".contains("huge.png")
        }
        // The file the fuzz script replays (the same header, written by Python) fails the same way.
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/Regressions/PNG/huge-header-tiny-data.png")
        #expect(try Data(contentsOf: file).prefix(33) == png.prefix(33))
        #expect(throws: RDAIOError.self) { try PNG.decode(Data(contentsOf: file)) }
    }
}
