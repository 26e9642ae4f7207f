@testable import RDAReport
import Foundation
import Testing
@testable import RDAIO
import RDATestSupport

/// Colour images: IDX4 files [N, H, W, C], RGB and RGBA PNGs, colour grids.
@Suite struct ColourImageTests {
    /// Colour images whose every byte is distinct by position (mod 256).
    static func colourImages(count: Int, rows: Int, cols: Int, channels: Int = 3) -> IDXImages {
        IDXImages(count: count, rows: rows, cols: cols, channels: channels,
                  pixels: pseudoRandomBytes(count * rows * cols * channels, seed: 11))
    }

    @Test func idx4RoundTripsAndGivesChannelPlanarFloats() throws {
        let images = Self.colourImages(count: 3, rows: 4, cols: 5)
        for gzip in [false, true] {
            var data = try IDX.encodeImages(images)
            #expect(IDX.bigEndianU32(data, at: 0) == IDX.channelImagesMagic)
            if gzip { data = try Gzip.compress(data) }
            #expect(try IDX.decodeImages(data) == images)
        }
        // floats(images:) of image i: channel c, pixel p = byte (p * 3 + c) of the image / 255
        let floats = images.floats(images: 1..<3)
        #expect(floats.count == 2 * 3 * 20)
        for i in 0..<2 {
            let bytes = Array(images.image(i + 1))
            for c in 0..<3 {
                for p in 0..<20 { #expect(floats[i * 60 + c * 20 + p] == Float(bytes[p * 3 + c]) / 255) }
            }
        }
        // a 4-D file with one channel holds the same images as the 3-D file of its bytes
        let grey = IDXImages(count: 2, rows: 3, cols: 3, pixels: pseudoRandomBytes(18, seed: 3))
        let fourD = try IDX.decodeImages(IDX.encodeImages(grey, fourDimensional: true))
        #expect(fourD == grey && fourD.floats() == grey.floats())
    }

    @Test func idx4HeadersAreCheckedBeforeAllocating() throws {
        func header(_ dims: [UInt32], body: [UInt8] = []) -> Data {
            var d = Data()
            for v in [IDX.channelImagesMagic] + dims { d.append(contentsOf: withUnsafeBytes(of: v.bigEndian) { Array($0) }) }
            return d + Data(body)
        }
        // channels-first by mistake ([N, C, H, W] = 2 x 3 x 4 x 4): the last dimension is not 1 or 3
        expectRDAIOError(.unsupported, ["channels", "[N, H, W, C]"]) { _ = try IDX.decodeImages(header([2, 3, 4, 4], body: [UInt8](repeating: 0, count: 96))) }
        expectRDAIOError(.unsupported, ["2 channels"]) { _ = try IDX.decodeImages(header([1, 2, 2, 2], body: [UInt8](repeating: 0, count: 8))) }
        // sizes that claim gigabytes over a few bytes: refused from the header
        expectRDAIOError(.unsupported, ["4096"]) { _ = try IDX.decodeImages(header([60000, 4000, 4000, 3])) }
        expectRDAIOError(.badHeader, ["too large"]) { _ = try IDX.decodeImages(header([UInt32.max, UInt32.max, UInt32.max, 3])) }
        expectRDAIOError(.badHeader, ["0 images"]) { _ = try IDX.decodeImages(header([0, 2, 2, 3])) }
        expectRDAIOError(.truncated, ["truncated"]) { _ = try IDX.decodeImages(header([2, 2, 2, 3], body: [1, 2, 3])) }
        expectRDAIOError(.truncated, ["header"]) { _ = try IDX.decodeImages(header([2, 2])) }
        expectRDAIOError(.trailingData, ["extra"]) { _ = try IDX.decodeImages(header([1, 1, 1, 3], body: [1, 2, 3, 4])) }
    }

    @Test func rgbPNGRoundTrips() throws {
        let (w, h) = (7, 5)
        let pixels = pseudoRandomBytes(w * h * 3, seed: 5)
        let data = try PNG.encodeRGB(width: w, height: h, pixels: pixels)
        #expect(data[8 + 8 + 9] == 2)  // IHDR colour type: RGB
        let image = try PNG.decode(data)
        #expect(image == PNGImage(width: w, height: h, channels: 3, pixels: pixels))
        // channel-planar floats: all red, then green, then blue
        let planar = image.planarFloats()
        for p in 0..<(w * h) { for c in 0..<3 { #expect(planar[c * w * h + p] == Float(pixels[p * 3 + c]) / 255) } }
        // the file written by PNG.write(channels:) decodes the same
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rgb-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try PNG.write(width: w, height: h, channels: 3, pixels: pixels, to: url)
        #expect(try PNG.read(from: url) == image)
    }

    /// A PNG of `samples` stored values per pixel (colour type `colour`), rows with filter Sub.
    static func pngWithAlpha(width w: Int, height h: Int, colour: UInt8, samples: Int, stored: [UInt8]) throws -> Data {
        let filtered = PNG.filterRows(stored, rowBytes: w * samples, height: h, bytesPerPixel: samples)
        var header = Data()
        IDX.appendBigEndian(UInt32(w), to: &header)
        IDX.appendBigEndian(UInt32(h), to: &header)
        header.append(contentsOf: [8, colour, 0, 0, 0])
        var png = Data(PNG.signature)
        PNG.appendChunk("IHDR", header, to: &png)
        PNG.appendChunk("IDAT", try Zlib.deflate(filtered, format: .zlib), to: &png)
        PNG.appendChunk("IEND", Data(), to: &png)
        return png
    }

    @Test func alphaIsDropped() throws {
        let (w, h) = (6, 4)
        let rgba = pseudoRandomBytes(w * h * 4, seed: 9)
        let image = try PNG.decode(Self.pngWithAlpha(width: w, height: h, colour: 6, samples: 4, stored: rgba))
        let rgb = (0..<(w * h)).flatMap { p in rgba[(p * 4)..<(p * 4 + 3)] }
        #expect(image == PNGImage(width: w, height: h, channels: 3, pixels: rgb, droppedAlpha: true))
        let greyAlpha = pseudoRandomBytes(w * h * 2, seed: 4)
        let grey = try PNG.decode(Self.pngWithAlpha(width: w, height: h, colour: 4, samples: 2, stored: greyAlpha))
        #expect(grey == PNGImage(width: w, height: h, channels: 1, pixels: stride(from: 0, to: greyAlpha.count, by: 2).map { greyAlpha[$0] },
                                 droppedAlpha: true))
        // a palette image needs its palette (palette images are read: RDAIOTests' ImageFileTests)
        expectRDAIOError(.badHeader, ["palette", "PLTE"]) {
            _ = try PNG.decode(Self.pngWithAlpha(width: w, height: h, colour: 3, samples: 1, stored: [UInt8](repeating: 0, count: w * h)))
        }
    }

    @Test func colourGridsAreTheGreyGridOfEachChannel() {
        // three 2x3 colour images, planes [C, H, W]
        let plane = 6
        let images: [[Float]] = (0..<3).map { i in (0..<(3 * plane)).map { Float(($0 * 7 + i * 5) % 11) / 10 } }
        let colour = ImageGrid.tile(images: images, imageWidth: 3, imageHeight: 2, columns: 2, padding: 1, channels: 3)
        for c in 0..<3 {
            let grey = ImageGrid.tile(images: images.map { Array($0[(c * plane)..<((c + 1) * plane)]) }, imageWidth: 3, imageHeight: 2,
                                      columns: 2, padding: 1)
            #expect(colour.width == grey.width && colour.height == grey.height)
            #expect(stride(from: c, to: colour.pixels.count, by: 3).map { colour.pixels[$0] } == grey.pixels)
        }
        // labelled grid: an image whose three channels are equal draws the grey grid's bytes, three times each
        let greyImages: [[Float]] = (0..<4).map { i in (0..<plane).map { Float(($0 + i) % 5) / 4 } }
        let rows = [Array(greyImages[0..<2]), Array(greyImages[2..<4])]
        let g = LabelledGrid(rows: rows, imageWidth: 3, imageHeight: 2, scale: 2, groups: [1], title: "a title",
                             rowLabels: ["one", "two"], columnLabels: ["x", "y"])
        let rgb = LabelledGrid(rows: rows.map { $0.map { $0 + $0 + $0 } }, imageWidth: 3, imageHeight: 2, scale: 2, groups: [1],
                               title: "a title", rowLabels: ["one", "two"], columnLabels: ["x", "y"], channels: 3)
        #expect(g.channels == 1 && rgb.channels == 3)
        #expect(rgb.width == g.width && rgb.height == g.height && rgb.rowTops == g.rowTops && rgb.imagesLeft == g.imagesLeft)
        #expect(rgb.pixels == g.pixels.flatMap { [$0, $0, $0] })
        // and a red image is red: its pixels have r = 255, g = b = 0
        let red: [Float] = [Float](repeating: 1, count: plane) + [Float](repeating: 0, count: 2 * plane)
        let r = LabelledGrid(rows: [[red]], imageWidth: 3, imageHeight: 2, scale: 1, channels: 3)
        let x0 = r.imagesLeft + 2, y0 = r.rowTops[0]
        let i = (y0 * r.width + x0) * 3
        #expect(Array(r.pixels[i..<(i + 3)]) == [255, 0, 0])
    }
}
