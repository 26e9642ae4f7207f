import RDATestSupport
import Foundation
import Testing
@testable import RDAIO

/// PNGs of every colour type and bit depth, crafted here (raw rows, filter 0, zlib), and
/// JPEGs made through libjpeg, read back through `ImageFile`.
@Suite struct ImageFileTests {
    static let sizes = [(1, 1), (17, 33), (31, 5)]   // 1x1, odd, a prime width

    /// A chunk with its CRC (computed by the test's own CRC).
    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        let crc = referenceCRC32(typed)
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
        return be(UInt32(body.count)) + typed + be(crc)
    }

    /// PNG bytes for `values` (width * height * samples values of `depth` bits, rows top first).
    static func craftPNG(width: Int, height: Int, colourType: UInt8, depth: Int, samples: Int, values: [Int],
                         palette: [UInt8]? = nil, extra: [UInt8] = []) throws -> Data {
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)   // filter: none
            var row: [UInt8] = [], acc = 0, bits = 0
            for i in 0..<(width * samples) {
                let v = values[y * width * samples + i]
                if depth == 16 { row += [UInt8(v >> 8), UInt8(v & 0xff)]; continue }
                acc = acc << depth | v; bits += depth
                if bits == 8 { row.append(UInt8(acc)); acc = 0; bits = 0 }
            }
            if bits > 0 { row.append(UInt8(acc << (8 - bits))) }   // pad the last byte with zero bits
            raw += row
        }
        func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
        var png = PNG.signature + chunk("IHDR", be(width) + be(height) + [UInt8(depth), colourType, 0, 0, 0])
        if let palette { png += chunk("PLTE", palette) }
        png += extra
        png += chunk("IDAT", [UInt8](try Zlib.deflate(Data(raw), format: .zlib)))
        png += chunk("IEND", [])
        return Data(png)
    }

    /// The nearest 8-bit value of a `depth`-bit sample, computed in floating point.
    static func expected8(_ v: Int, depth: Int) -> UInt8 {
        UInt8((Double(v) * 255 / Double((1 << depth) - 1)).rounded())
    }

    @Test(arguments: [(UInt8(0), 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (4, 8), (4, 16), (6, 8), (6, 16)])
    func everyDirectColourTypeAndDepth(colourType: UInt8, depth: Int) throws {
        let samples = [0: 1, 2: 3, 4: 2, 6: 4][Int(colourType)]!
        let channels = colourType == 0 || colourType == 4 ? 1 : 3
        for (w, h) in Self.sizes {
            let bytes = pseudoRandomBytes(w * h * samples * 2, seed: UInt64(w * 1000 + Int(colourType) * 10 + depth))
            let values = (0..<(w * h * samples)).map { i in
                (Int(bytes[2 * i]) << 8 | Int(bytes[2 * i + 1])) & ((1 << depth) - 1)
            }
            let png = try Self.craftPNG(width: w, height: h, colourType: colourType, depth: depth, samples: samples, values: values)
            let image = try ImageFile.decode(png, source: "t.png")
            #expect(image.width == w && image.height == h && image.channels == channels)
            #expect(image.droppedAlpha == (samples != channels))
            var want: [UInt8] = []
            for p in 0..<(w * h) {
                for c in 0..<channels { want.append(Self.expected8(values[p * samples + c], depth: depth)) }
            }
            #expect(image.pixels == want, "colour type \(colourType), \(depth) bits, \(w)x\(h)")
        }
    }

    @Test(arguments: [1, 2, 4, 8])
    func paletteImagesAreRGBAndIgnoreTRNS(depth: Int) throws {
        let entries = 1 << depth
        let palette = pseudoRandomBytes(entries * 3, seed: UInt64(depth))
        let trns = Self.chunk("tRNS", [UInt8](repeating: 128, count: entries))
        for (w, h) in Self.sizes {
            let values = pseudoRandomBytes(w * h, seed: UInt64(w + depth)).map { Int($0) % entries }
            let png = try Self.craftPNG(width: w, height: h, colourType: 3, depth: depth, samples: 1, values: values,
                                        palette: palette, extra: trns)
            let image = try ImageFile.decode(png, source: "p.png")
            #expect(image.channels == 3 && !image.droppedAlpha)
            #expect(image.pixels == values.flatMap { Array(palette[(3 * $0)..<(3 * $0 + 3)]) })
        }
        // an index past a short palette, and a palette image without PLTE, are refused
        let short = try Self.craftPNG(width: 2, height: 1, colourType: 3, depth: depth, samples: 1, values: [0, 1], palette: [9, 9, 9])
        expectRDAIOError(.corruptData, ["palette entry 1", "has 1"]) { _ = try PNG.decode(short) }
        let none = try Self.craftPNG(width: 2, height: 1, colourType: 3, depth: depth, samples: 1, values: [0, 0])
        expectRDAIOError(.badHeader, ["PLTE"]) { _ = try PNG.decode(none) }
    }

    @Test func invalidDepthCombinationsAreRefusedFromTheHeader() throws {
        for (type, depth) in [(UInt8(2), 4), (3, 16), (0, 3), (6, 1), (4, 2)] {
            let png = try Self.craftPNG(width: 1, height: 1, colourType: type, depth: 8, samples: 1, values: [0])
            var bytes = [UInt8](png)
            bytes[8 + 8 + 8] = UInt8(depth)
            let header = Array(bytes[12..<29])
            let crc = referenceCRC32(header)
            bytes[29] = UInt8(crc >> 24); bytes[30] = UInt8((crc >> 16) & 0xff); bytes[31] = UInt8((crc >> 8) & 0xff); bytes[32] = UInt8(crc & 0xff)
            expectRDAIOError(.unsupported, ["bit depth \(depth)", "colour type \(type)"]) { _ = try PNG.decode(Data(bytes)) }
        }
    }

    @Test func truncatedPNGsFailCleanly() throws {
        let values = (0..<(17 * 33 * 3)).map { $0 % 251 }
        let png = [UInt8](try Self.craftPNG(width: 17, height: 33, colourType: 2, depth: 8, samples: 3, values: values))
        for cut in stride(from: 0, to: png.count, by: 7) {
            #expect(throws: RDAIOError.self) { _ = try ImageFile.decode(Data(png.prefix(cut)), source: "cut.png") }
        }
    }

    // MARK: JPEG

    /// A smooth colour test image (JPEG keeps it close).
    static func smoothRGB(width: Int, height: Int) -> [UInt8] {
        (0..<(width * height)).flatMap { p -> [UInt8] in
            let x = p % width, y = p / width
            return [UInt8(40 + (x * 150) / max(1, width)), UInt8(60 + (y * 120) / max(1, height)), 128]
        }
    }

    @Test func jpegRoundTripsAtOddSizes() throws {
        for (w, h) in Self.sizes {
            for channels in [1, 3] {
                let rgb = Self.smoothRGB(width: w, height: h)
                let pixels = channels == 3 ? rgb : (0..<(w * h)).map { rgb[3 * $0] }
                let original = PNGImage(width: w, height: h, channels: channels, pixels: pixels)
                let file = try JPEG.encode(original, quality: 95)
                let image = try ImageFile.decode(file, source: "t.jpg")
                #expect(image.width == w && image.height == h && image.channels == channels)
                let meanError = zip(image.pixels, pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(pixels.count)
                #expect(meanError < 4, "\(w)x\(h)x\(channels): mean absolute error \(meanError)")
            }
        }
    }

    @Test func truncatedAndCorruptJPEGsFailInOneLine() throws {
        let file = [UInt8](try JPEG.encode(PNGImage(width: 31, height: 17, channels: 3, pixels: pseudoRandomBytes(31 * 17 * 3)), quality: 80))
        for cut in [3, 20, file.count / 3, file.count / 2, file.count - 10, file.count - 2] {
            do {
                _ = try JPEG.decode(Data(file.prefix(cut)), source: "cut.jpg")
                Issue.record("a JPEG cut at \(cut) of \(file.count) bytes decoded")
            } catch let error as RDAIOError {
                #expect(error.subject == "cut.jpg" && !error.description.contains("\n"))
                #expect([.truncated, .corruptData].contains(error.kind), "\(error)")
            }
        }
        expectRDAIOError(.badMagic, ["not a JPEG"]) { _ = try JPEG.decode(Data([0xFF, 0xD9]), source: "x.jpg") }
    }

    @Test func aJPEGClaimingHugeDimensionsIsRefusedFromItsHeader() throws {
        var file = [UInt8](try JPEG.encode(PNGImage(width: 8, height: 8, channels: 1, pixels: [UInt8](repeating: 99, count: 64))))
        // the SOF0 marker FF C0: length (2), precision (1), height (2), width (2)
        let sof = try #require((0..<(file.count - 1)).first { file[$0] == 0xFF && file[$0 + 1] == 0xC0 })
        file[sof + 5] = 0xEA; file[sof + 6] = 0x60; file[sof + 7] = 0xEA; file[sof + 8] = 0x60   // 60000 x 60000
        expectRDAIOError(.unsupported, ["60000x60000", "more than"]) { _ = try ImageFile.decode(Data(file), source: "huge.jpg") }
    }

    // MARK: Dispatch and conversion

    @Test func unknownBytesAreNeitherPNGNorJPEG() {
        expectRDAIOError(.badMagic, ["neither a PNG nor a JPEG"]) { _ = try ImageFile.decode(Data("GIF89a".utf8), source: "a.gif") }
        expectRDAIOError(.fileNotFound) { _ = try ImageFile.read(path: "/nonexistent/rda-image.png") }
    }

    @Test func channelConversionUsesBT601LumaAndReplication() {
        let rgb = PNGImage(width: 4, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
        let grey = rgb.converted(toChannels: 1)
        // 0.299 * 255 = 76.2, 0.587 * 255 = 149.7, 0.114 * 255 = 29.1, 0.299*10 + 0.587*20 + 0.114*30 = 18.15
        #expect(grey.pixels == [76, 150, 29, 18])
        let back = grey.converted(toChannels: 3)
        #expect(back.pixels == [76, 76, 76, 150, 150, 150, 29, 29, 29, 18, 18, 18])
        #expect(back.planarFloats(channels: 3).count == 12 && back.planarFloats(channels: 1) == grey.planarFloats())
    }
}
