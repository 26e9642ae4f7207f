import Foundation
import Testing
import RDAIO
import RDAReport

@Suite struct ImageGridTests {
    @Test func layoutPaddingAndBackground() {
        // Three 2x2 images in 2 columns with 1 pixel of padding: a 7x7 sheet.
        let a: [Float] = [0, 1, 0.5, 0.25]
        let b: [Float] = [1, 1, 1, 1]
        let c: [Float] = [0, 0, 0, 0]
        let sheet = ImageGrid.tile(images: [a, b, c], imageWidth: 2, imageHeight: 2, columns: 2, padding: 1, background: 7)
        #expect(sheet.width == 7 && sheet.height == 7)
        #expect(sheet.pixels.count == 49)
        func at(_ x: Int, _ y: Int) -> UInt8 { sheet.pixels[y * sheet.width + x] }
        // Border and gaps are background.
        #expect((0..<7).allSatisfy { at($0, 0) == 7 && at(0, $0) == 7 && at($0, 3) == 7 && at(3, $0) == 7 })
        // Image a at (1, 1).
        #expect([at(1, 1), at(2, 1), at(1, 2), at(2, 2)] == [0, 255, 128, 64])
        // Image b at (4, 1), image c at (1, 4), the missing fourth cell stays background.
        #expect([at(4, 1), at(5, 2)] == [255, 255])
        #expect([at(1, 4), at(2, 5)] == [0, 0])
        #expect([at(4, 4), at(5, 5)] == [7, 7])
    }

    @Test func clampingAndRounding() {
        #expect(ImageGrid.byte(-3) == 0)
        #expect(ImageGrid.byte(.nan) == 0)
        #expect(ImageGrid.byte(7) == 255)
        #expect(ImageGrid.byte(.infinity) == 255)
        #expect(ImageGrid.byte(0.5) == 128)
        #expect(ImageGrid.byte(1.0 / 255) == 1)
        let sheet = ImageGrid.tile(images: [[-1, 2, .nan, 0.2]], imageWidth: 2, imageHeight: 2, columns: 1, padding: 0, background: 9)
        #expect(sheet.pixels == [0, 255, 0, 51])
    }

    @Test func mnistSizedGrid() throws {
        let images = (0..<64).map { i in [Float](repeating: Float(i) / 63, count: 28 * 28) }
        let sheet = ImageGrid.tile(images: images, imageWidth: 28, imageHeight: 28, columns: 8, background: 0)
        #expect(sheet.width == 8 * 28 + 9 * 2 && sheet.height == 8 * 28 + 9 * 2)
        // Last image's top-left pixel: column 7, row 7.
        let x = 2 + 7 * 30, y = 2 + 7 * 30
        #expect(sheet.pixels[y * sheet.width + x] == 255)
        let png = try PNG.encodeGray(width: sheet.width, height: sheet.height, pixels: sheet.pixels)
        #expect(try PNG.decode(png).pixels == sheet.pixels)
    }

    @Test func wrongSizedImagesAndEmptyInput() {
        // Too few values: the rest of the cell is background; too many: extras ignored.
        let sheet = ImageGrid.tile(images: [[1], [1, 1, 1, 1, 1, 1]], imageWidth: 2, imageHeight: 2, columns: 2, padding: 0, background: 5)
        #expect(sheet.width == 4 && sheet.height == 2)
        #expect(sheet.pixels == [255, 5, 255, 255, 5, 5, 255, 255])
        let empty = ImageGrid.tile(images: [], imageWidth: 3, imageHeight: 3, columns: 4, padding: 1, background: 1)
        #expect(empty.width == 5 && empty.height == 5 && empty.pixels.allSatisfy { $0 == 1 })
    }

    @Test func originalReconstructionPairs() {
        let originals: [[Float]] = [[1], [1], [1]]
        let reconstructions: [[Float]] = [[0], [0], [0]]
        let sheet = ImageGrid.pairs(originals: originals, reconstructions: reconstructions, imageWidth: 1, imageHeight: 1,
                                    pairsPerRow: 2, padding: 0, background: 9)
        #expect(sheet.width == 4 && sheet.height == 2)
        #expect(sheet.pixels == [255, 0, 255, 0, 255, 0, 9, 9])
    }
}
