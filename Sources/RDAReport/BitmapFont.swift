import RDAIO
/// A 5 x 7 pixel bitmap font for printable ASCII (32 ... 126), to write captions into grey PNGs.
///
/// Each glyph is 5 columns by 7 rows of ink or no ink; text advances 6 columns per character (the
/// glyph and one blank column) and is drawn at an integer `scale` (every font pixel becomes a
/// `scale` x `scale` block). A line of n characters is therefore
///
///     width  = (6 n - 1) * scale   (0 for empty text)
///     height = 7 * scale
///
/// pixels, and its ink lies inside that box. Characters outside printable ASCII are drawn as `?`.
public enum BitmapFont {
    /// Columns of one glyph.
    public static let glyphWidth = 5
    /// Rows of one glyph.
    public static let glyphHeight = 7
    /// Columns from one character to the next (the glyph and one blank column).
    public static let advance = 6
    /// The characters with a glyph of their own: printable ASCII.
    public static let printable: ClosedRange<UInt8> = 32...126

    /// The glyphs of `printable`, in order: 7 rows of 5 columns each, `#` for ink.
    static let art: [String] = [
        "..... ..... ..... ..... ..... ..... .....", // space
        "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..", // !
        ".#.#. .#.#. .#.#. ..... ..... ..... .....", // "
        ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.", // #
        "..#.. .#### #.#.. .###. ..#.# ####. ..#..", // $
        "##... ##..# ...#. ..#.. .#... #..## ...##", // %
        ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#", // &
        "..#.. ..#.. .#... ..... ..... ..... .....", // '
        "...#. ..#.. .#... .#... .#... ..#.. ...#.", // (
        ".#... ..#.. ...#. ...#. ...#. ..#.. .#...", // )
        "..... ..#.. #.#.# .###. #.#.# ..#.. .....", // *
        "..... ..#.. ..#.. ##### ..#.. ..#.. .....", // +
        "..... ..... ..... ..... .##.. ..#.. .#...", // ,
        "..... ..... ..... ##### ..... ..... .....", // -
        "..... ..... ..... ..... ..... .##.. .##..", // .
        "..... ....# ...#. ..#.. .#... #.... .....", // /
        ".###. #...# #..## #.#.# ##..# #...# .###.", // 0
        "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.", // 1
        ".###. #...# ....# ...#. ..#.. .#... #####", // 2
        "##### ...#. ..#.. ...#. ....# #...# .###.", // 3
        "...#. ..##. .#.#. #..#. ##### ...#. ...#.", // 4
        "##### #.... ####. ....# ....# #...# .###.", // 5
        "..##. .#... #.... ####. #...# #...# .###.", // 6
        "##### ....# ...#. ..#.. .#... .#... .#...", // 7
        ".###. #...# #...# .###. #...# #...# .###.", // 8
        ".###. #...# #...# .#### ....# ...#. .##..", // 9
        "..... .##.. .##.. ..... .##.. .##.. .....", // :
        "..... .##.. .##.. ..... .##.. ..#.. .#...", // ;
        "...#. ..#.. .#... #.... .#... ..#.. ...#.", // <
        "..... ..... ##### ..... ##### ..... .....", // =
        ".#... ..#.. ...#. ....# ...#. ..#.. .#...", // >
        ".###. #...# ....# ...#. ..#.. ..... ..#..", // ?
        ".###. #...# ....# .##.# #.#.# #.#.# .###.", // @
        ".###. #...# #...# ##### #...# #...# #...#", // A
        "####. #...# #...# ####. #...# #...# ####.", // B
        ".###. #...# #.... #.... #.... #...# .###.", // C
        "###.. #..#. #...# #...# #...# #..#. ###..", // D
        "##### #.... #.... ####. #.... #.... #####", // E
        "##### #.... #.... ####. #.... #.... #....", // F
        ".###. #...# #.... #.### #...# #...# .####", // G
        "#...# #...# #...# ##### #...# #...# #...#", // H
        ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.", // I
        "..### ...#. ...#. ...#. ...#. #..#. .##..", // J
        "#...# #..#. #.#.. ##... #.#.. #..#. #...#", // K
        "#.... #.... #.... #.... #.... #.... #####", // L
        "#...# ##.## #.#.# #.#.# #...# #...# #...#", // M
        "#...# #...# ##..# #.#.# #..## #...# #...#", // N
        ".###. #...# #...# #...# #...# #...# .###.", // O
        "####. #...# #...# ####. #.... #.... #....", // P
        ".###. #...# #...# #...# #.#.# #..#. .##.#", // Q
        "####. #...# #...# ####. #.#.. #..#. #...#", // R
        ".#### #.... #.... .###. ....# ....# ####.", // S
        "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..", // T
        "#...# #...# #...# #...# #...# #...# .###.", // U
        "#...# #...# #...# #...# #...# .#.#. ..#..", // V
        "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.", // W
        "#...# #...# .#.#. ..#.. .#.#. #...# #...#", // X
        "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..", // Y
        "##### ....# ...#. ..#.. .#... #.... #####", // Z
        ".###. .#... .#... .#... .#... .#... .###.", // [
        "..... #.... .#... ..#.. ...#. ....# .....", // backslash
        ".###. ...#. ...#. ...#. ...#. ...#. .###.", // ]
        "..#.. .#.#. #...# ..... ..... ..... .....", // ^
        "..... ..... ..... ..... ..... ..... #####", // _
        ".#... ..#.. ...#. ..... ..... ..... .....", // `
        "..... ..... .###. ....# .#### #...# .####", // a
        "#.... #.... #.##. ##..# #...# #...# ####.", // b
        "..... ..... .###. #.... #.... #...# .###.", // c
        "....# ....# .##.# #..## #...# #...# .####", // d
        "..... ..... .###. #...# ##### #.... .###.", // e
        "..##. .#..# .#... ###.. .#... .#... .#...", // f
        "..... .#### #...# #...# .#### ....# .###.", // g
        "#.... #.... #.##. ##..# #...# #...# #...#", // h
        "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.", // i
        "...#. ..... ..##. ...#. ...#. #..#. .##..", // j
        "#.... #.... #..#. #.#.. ##... #.#.. #..#.", // k
        ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.", // l
        "..... ..... ##.#. #.#.# #.#.# #...# #...#", // m
        "..... ..... #.##. ##..# #...# #...# #...#", // n
        "..... ..... .###. #...# #...# #...# .###.", // o
        "..... ..... ####. #...# ####. #.... #....", // p
        "..... ..... .##.# #..## .#### ....# ....#", // q
        "..... ..... #.##. ##..# #.... #.... #....", // r
        "..... ..... .###. #.... .###. ....# ####.", // s
        ".#... .#... ###.. .#... .#... .#..# ..##.", // t
        "..... ..... #...# #...# #...# #..## .##.#", // u
        "..... ..... #...# #...# #...# .#.#. ..#..", // v
        "..... ..... #...# #...# #.#.# #.#.# .#.#.", // w
        "..... ..... #...# .#.#. ..#.. .#.#. #...#", // x
        "..... ..... #...# #...# .#### ....# .###.", // y
        "..... ..... ##### ...#. ..#.. .#... #####", // z
        "...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.", // {
        "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..", // |
        ".#... ..#.. ..#.. ...#. ..#.. ..#.. .#...", // }
        "..... ..... .#... #.#.# ...#. ..... .....", // ~
    ]

    /// The glyphs as bit rows: `glyphs[c - 32][r]` holds row r (top first) of character c, bit
    /// 4 - x set where column x has ink.
    static let glyphs: [[UInt8]] = art.map { line in
        line.split(separator: " ").map { row in
            row.reduce(UInt8(0)) { bits, ch in (bits << 1) | (ch == "#" ? 1 : 0) }
        }
    }

    /// Whether `c` has a glyph of its own (otherwise it is drawn as `?`).
    public static func hasGlyph(_ c: Character) -> Bool {
        guard let a = c.asciiValue else { return false }
        return printable.contains(a) && Int(a) - 32 < glyphs.count
    }

    /// The 7 rows of `c`'s glyph, top first; bit 4 - x is column x (`?` for characters without one).
    public static func glyph(_ c: Character) -> [UInt8] {
        glyphs[Int(hasGlyph(c) ? c.asciiValue! : UInt8(ascii: "?")) - 32]
    }

    /// Pixels a line of `text` spans across at `scale`: (6 n - 1) * scale for n characters, 0 when empty.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int {
        let n = text.count
        return n == 0 ? 0 : (advance * n - 1) * max(1, scale)
    }

    /// Pixels a line spans down at `scale`: 7 * scale.
    public static func textHeight(scale: Int = 1) -> Int { glyphHeight * max(1, scale) }

    /// Draws one line of `text` with its top left corner at (`x`, `y`) into a row-major grey image
    /// of `width * height` pixels: ink pixels become `ink`, the rest are left as they were; pixels
    /// outside the image are skipped.
    public static func draw(_ text: String, x: Int, y: Int, scale: Int = 1, ink: UInt8 = 0,
                            into pixels: inout [UInt8], width: Int, height: Int) {
        let s = max(1, scale)
        for (i, c) in text.enumerated() {
            let left = x + i * advance * s
            for (r, bits) in glyph(c).enumerated() where bits != 0 {
                for col in 0..<glyphWidth where bits & (1 << (glyphWidth - 1 - col)) != 0 {
                    for dy in 0..<s {
                        let py = y + r * s + dy
                        guard py >= 0, py < height else { continue }
                        for dx in 0..<s {
                            let px = left + col * s + dx
                            if px >= 0, px < width { pixels[py * width + px] = ink }
                        }
                    }
                }
            }
        }
    }

    /// Splits `text` into lines of at most `maxWidth` pixels at `scale`, breaking at spaces; a word
    /// wider than `maxWidth` gets a line of its own (and is wider than asked).
    public static func wrap(_ text: String, maxWidth: Int, scale: Int = 1) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let candidate = line.isEmpty ? String(word) : line + " " + String(word)
            if line.isEmpty || textWidth(candidate, scale: scale) <= maxWidth {
                line = candidate
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
