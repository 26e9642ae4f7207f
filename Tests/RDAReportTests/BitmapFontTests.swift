@testable import RDAReport
import Testing
import Foundation
@testable import RDAIO

@Suite("The 5x7 bitmap font and captions drawn into picture grids")
struct BitmapFontTests {
    static let printable = (32...126).map { Character(UnicodeScalar(UInt8($0))) }

    /// The bounding box (x0, y0, x1, y1, exclusive ends) of pixels equal to `ink`, nil when none.
    static func inkBox(_ pixels: [UInt8], width: Int, ink: UInt8 = 0) -> (x0: Int, y0: Int, x1: Int, y1: Int)? {
        var box: (x0: Int, y0: Int, x1: Int, y1: Int)? = nil
        for (i, p) in pixels.enumerated() where p == ink {
            let x = i % width, y = i / width
            if let b = box { box = (min(b.x0, x), min(b.y0, y), max(b.x1, x + 1), max(b.y1, y + 1)) } else { box = (x, y, x + 1, y + 1) }
        }
        return box
    }

    @Test func everyPrintableCharacterHasItsOwnGlyph() {
        var seen: [[UInt8]: Character] = [:]
        for c in Self.printable {
            #expect(BitmapFont.hasGlyph(c), "\(c)")
            let g = BitmapFont.glyph(c)
            #expect(g.count == BitmapFont.glyphHeight && g.allSatisfy { $0 < 1 << BitmapFont.glyphWidth }, "\(c): \(g)")
            #expect((c == " ") == g.allSatisfy { $0 == 0 }, "only the space is blank: \(c)")
            if let other = seen[g] { Issue.record("\(c) and \(other) have the same glyph") }
            seen[g] = c
        }
        #expect(seen.count == 95)
        // Outside printable ASCII: the glyph of ?.
        for c: Character in ["é", "\t", "·", "\u{7F}"] {
            #expect(!BitmapFont.hasGlyph(c) && BitmapFont.glyph(c) == BitmapFont.glyph("?"))
        }
    }

    /// Left-right mirror of a glyph row (5 columns).
    static func mirror(_ row: UInt8) -> UInt8 {
        (0..<5).reduce(UInt8(0)) { acc, i in acc | (((row >> UInt8(i)) & 1) << UInt8(4 - i)) }
    }

    @Test func symmetricCharactersAreSymmetricAndPairsMirrorEachOther() {
        for c in "AHIMOTUVWXYovwx!\"*+-=^_|8" {
            #expect(BitmapFont.glyph(c).map(Self.mirror) == BitmapFont.glyph(c), "\(c) is not left-right symmetric")
        }
        for (a, b) in [("(", ")"), ("[", "]"), ("<", ">"), ("{", "}"), ("/", "\\"), ("b", "d")] as [(Character, Character)] {
            #expect(BitmapFont.glyph(a).map(Self.mirror) == BitmapFont.glyph(b), "\(a) and \(b) are not mirror images")
        }
    }

    @Test(arguments: [1, 2, 3])
    func textWidthIsTheInkBoxOfAFullLine(_ scale: Int) {
        // H has ink in its first and last column and its top and bottom row, so a line of Hs
        // inks exactly its box: (6 n - 1) * scale wide, 7 * scale high.
        for n in 0...6 {
            let text = String(repeating: "H", count: n)
            let width = 120, height = 30
            var pixels = [UInt8](repeating: 255, count: width * height)
            BitmapFont.draw(text, x: 3, y: 2, scale: scale, ink: 0, into: &pixels, width: width, height: height)
            let w = BitmapFont.textWidth(text, scale: scale)
            #expect(w == (n == 0 ? 0 : (6 * n - 1) * scale))
            if n == 0 {
                #expect(Self.inkBox(pixels, width: width) == nil)
            } else {
                let box = Self.inkBox(pixels, width: width)
                #expect(box?.x0 == 3 && box?.x1 == 3 + w && box?.y0 == 2 && box?.y1 == 2 + BitmapFont.textHeight(scale: scale),
                        "\(n) Hs at scale \(scale): box \(String(describing: box)), width \(w)")
            }
        }
    }

    @Test func everyCharacterInksOnlyItsOwnCell() {
        // All printable characters in one line at scale 2: the ink lies inside the line's box, and
        // the blank column after each glyph (columns 5 of every 6) stays blank.
        let text = String(Self.printable), s = 2, x = 5, y = 4
        let width = BitmapFont.textWidth(text, scale: s) + 2 * x, height = BitmapFont.textHeight(scale: s) + 2 * y
        var pixels = [UInt8](repeating: 200, count: width * height)
        BitmapFont.draw(text, x: x, y: y, scale: s, ink: 7, into: &pixels, width: width, height: height)
        let box = Self.inkBox(pixels, width: width, ink: 7)!
        #expect(box.x0 >= x && box.x1 <= x + BitmapFont.textWidth(text, scale: s) && box.y0 >= y && box.y1 <= y + 7 * s)
        for i in 0..<text.count {
            let gapStart = x + (6 * i + 5) * s
            for px in gapStart..<(gapStart + s) {
                #expect((0..<height).allSatisfy { pixels[$0 * width + px] == 200 }, "ink in the gap after character \(i)")
            }
        }
        // Drawing is clipped at the image's edges, never out of bounds.
        // (H's first column, scale 3 from x = -2, reaches x = 0 on rows 0 ... 2: glyph row 1 from y = -3 + 3.)
        var small = [UInt8](repeating: 200, count: 6 * 5)
        BitmapFont.draw("HHH", x: -2, y: -3, scale: 3, ink: 0, into: &small, width: 6, height: 5)
        #expect((0..<5).allSatisfy { small[$0 * 6] == 0 } && small[1] == 200)
    }

    @Test func wrappingKeepsWordsAndWidth() {
        let text = "Interpolations: example a | decode((1 - t) mu_a + t mu_b) for t = 0 ... 1 | example b"
        for maxWidth in [60, 120, 300] {
            let lines = BitmapFont.wrap(text, maxWidth: maxWidth, scale: 1)
            #expect(lines.joined(separator: " ") == text)
            for line in lines where line.contains(" ") {
                #expect(BitmapFont.textWidth(line) <= maxWidth, "\(line) wider than \(maxWidth)")
            }
            // Greedy: the next line's first word would not have fitted on the line before.
            for (a, b) in zip(lines, lines.dropFirst()) {
                #expect(BitmapFont.textWidth(a + " " + b.split(separator: " ")[0]) > maxWidth)
            }
        }
        #expect(BitmapFont.wrap("", maxWidth: 10).isEmpty)
        #expect(BitmapFont.wrap("abcdefgh ij", maxWidth: 20) == ["abcdefgh", "ij"])
    }

    @Test func captionedGridHasTheDocumentedSize() {
        // Two rows of three 4x8 images, scale 2 (text scale t = 2, m = 6), padding 2, one group of 3.
        let img = [Float](repeating: 1, count: 32)
        let g = LabelledGrid(rows: [[img, img, img], [img, img, img]], imageWidth: 4, imageHeight: 8, scale: 2,
                             groups: [3], padding: 2, groupGap: 10, background: 160,
                             title: "A title", rowLabels: ["r1", "row 2"], columnLabels: ["a", "b", "c"])
        #expect(g.textScale == 2)
        // Row-label margin: widest label "row 2" (6 * 5 - 1) * 2 = 58, plus 2 m: 70.
        #expect(g.imagesLeft == 70)
        // Width: 70 + 2 + 3 * (8 + 2) = 102 (the one title line is (6 * 7 - 1) * 2 + 12 = 94 wide).
        // Height: title band 6 + 20, column band 7 * 1 + 4 (a label is 10 pixels wide at scale 2,
        // more than 8 + 2 - 2; 5 at scale 1 <= 8 + 2 - 1), then 2 + 2 * (16 + 2): 26 + 11 + 38 = 75.
        #expect(g.width == 102 && g.height == 75, "\(g.width) x \(g.height)")
        #expect(g.rowTops == [39, 57] && g.rowHeight == 16)
        func px(_ x: Int, _ y: Int) -> UInt8 { g.pixels[y * g.width + x] }
        // The images are where the layout says: white from x 72 (70 + padding), 8 wide.
        #expect((72..<80).allSatisfy { px($0, 39) == 255 } && px(71, 39) == 160 && px(80, 39) == 160 && px(72, 38) == 160)
        // Row labels inside their boxes, right-aligned at 70 - 6 and centred on the row (14 high in 16).
        let margin = (0..<g.height).flatMap { y in (0..<70).map { x in (x, y, px(x, y)) } }.filter { $0.1 >= 37 && $0.2 == 0 }
        #expect(!margin.isEmpty)
        #expect(margin.allSatisfy { $0.0 >= 64 - 58 && $0.0 < 64 }, "row label ink outside its column")
        let row1Ink = margin.filter { $0.1 < 57 }, row2Ink = margin.filter { $0.1 >= 57 }
        #expect(!row1Ink.isEmpty && row1Ink.allSatisfy { $0.1 >= 40 && $0.1 < 40 + 14 && $0.0 >= 64 - 22 })
        #expect(row2Ink.map(\.0).min() == 64 - 58 && row2Ink.allSatisfy { $0.1 >= 58 && $0.1 < 58 + 14 })
        // Title ink within the title band, column labels between it and the images.
        let ink = (0..<g.height).flatMap { y in (0..<g.width).map { x in (x, y) } }.filter { px($0.0, $0.1) == 0 }
        #expect(ink.filter { $0.1 < 26 }.allSatisfy { $0.0 >= 6 && $0.0 < 6 + 82 && $0.1 >= 6 && $0.1 < 6 + 14 })
        let columnInk = ink.filter { $0.1 >= 26 && $0.1 < 37 }
        // (each 5-pixel label centred on its 8-pixel image: from one pixel right of its left edge)
        #expect(!columnInk.isEmpty && columnInk.allSatisfy { $0.0 >= 73 && $0.1 >= 28 && $0.1 < 28 + 7 })
        #expect(columnInk.allSatisfy { !(78..<83).contains($0.0) }, "ink between the first two columns")
        // A long title wraps: each extra line adds 10 t = 20 pixels of height.
        let long = LabelledGrid(rows: [[img, img, img], [img, img, img]], imageWidth: 4, imageHeight: 8, scale: 2,
                                groups: [3], padding: 2, groupGap: 10, background: 160,
                                title: String(repeating: "word ", count: 40), rowLabels: ["r1", "row 2"], columnLabels: ["a", "b", "c"])
        let lines = BitmapFont.wrap(String(repeating: "word ", count: 40), maxWidth: max(102 - 12, BitmapFont.textWidth(String(repeating: "x", count: 30), scale: 2)), scale: 2)
        #expect(lines.count > 1 && long.height == 75 + 20 * (lines.count - 1))
        #expect(long.width == max(102, lines.map { BitmapFont.textWidth($0, scale: 2) }.max()! + 12))
    }

    @Test(arguments: [1, 2, 3, 4, 8])
    func captionsScaleWithTheGrid(_ scale: Int) {
        // Without captions the grid is what it was; with them it only grows by the margins.
        let img = [Float](repeating: 0.5, count: 28 * 28)
        let rows = [[img, img], [img, img]]
        let plain = LabelledGrid(rows: rows, imageWidth: 28, imageHeight: 28, scale: scale)
        #expect(plain.width == 2 + 2 * (28 * scale + 2) && plain.height == 2 + 2 * (28 * scale + 2) && plain.imagesLeft == 0)
        let labelled = LabelledGrid(rows: rows, imageWidth: 28, imageHeight: 28, scale: scale, rowLabels: ["pair 1", "pair 2"])
        let t = LabelledGrid.textScale(forImageScale: scale)
        #expect(labelled.imagesLeft == BitmapFont.textWidth("pair 1", scale: t) + 6 * t)
        #expect(labelled.width == plain.width + labelled.imagesLeft && labelled.height == plain.height)
        #expect(labelled.rowHeight >= BitmapFont.textHeight(scale: t), "labels taller than the rows at scale \(scale)")
    }
}
