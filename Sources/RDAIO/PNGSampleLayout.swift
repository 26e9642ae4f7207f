/// How a PNG stores its samples (colour type and bit depth), and their conversion to 8 bits.
///
/// Valid combinations (PNG specification, table 11.1): grey (type 0) at 1, 2, 4, 8, 16 bits;
/// RGB (2) at 8, 16; palette (3) at 1, 2, 4, 8; grey + alpha (4) and RGBA (6) at 8, 16.
/// Conversions to 8-bit values:
/// - grey below 8 bits: v * 255 / (2^depth - 1) (exact: 1 bit gives 0 or 255, 2 bits 0, 85, 170, 255);
/// - 16 bits: round(v / 257), the nearest 8-bit value (257 = 65535 / 255);
/// - palette: each index replaced by its PLTE entry's r, g, b (an index past the palette is an error).
struct PNGSampleLayout {
    /// The IHDR colour type: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA.
    let colourType: UInt8
    /// Bits per stored sample (per palette index for type 3).
    let depth: Int

    /// nil for a combination the PNG format does not allow.
    init?(colourType: UInt8, depth: UInt8) {
        let allowed: [UInt8: [UInt8]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowed[colourType], depths.contains(depth) else { return nil }
        self.colourType = colourType
        self.depth = Int(depth)
    }

    /// Whether pixels are palette indices.
    var isPalette: Bool { colourType == 3 }
    /// Values stored per pixel in the file: 1 grey or index, 2 grey + alpha, 3 RGB, 4 RGBA.
    var samples: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colourType]! }
    /// Colour channels of the decoded image: 1 grey, 3 RGB (palette images are RGB).
    var channels: Int { colourType == 0 || colourType == 4 ? 1 : 3 }
    /// 8-bit values per pixel after conversion (alpha still included): palette gives 3.
    var eightBitSamplesPerPixel: Int { isPalette ? 3 : samples }
    /// The byte distance the row filters look back: whole bytes per pixel, at least 1.
    var filterBytesPerPixel: Int { max(1, samples * depth / 8) }

    /// Unfiltered rows (`rowBytes` each) as 8-bit values, `eightBitSamplesPerPixel` per pixel.
    /// `source` names the file in errors.
    func eightBitSamples(_ rows: [UInt8], width: Int, height: Int, rowBytes: Int, palette: [UInt8],
                         source: String) throws -> [UInt8] {
        if depth == 8 && !isPalette { return rows }   // already 8-bit, rows are packed without padding
        let perRow = width * samples
        let outPerPixel = eightBitSamplesPerPixel
        var out = [UInt8](repeating: 0, count: width * height * outPerPixel)
        let entries = palette.count / 3
        let maxValue = (1 << depth) - 1
        for y in 0..<height {
            let row = y * rowBytes
            for i in 0..<perRow {
                let value: Int
                switch depth {
                case 16: value = Int(rows[row + 2 * i]) << 8 | Int(rows[row + 2 * i + 1])
                case 8: value = Int(rows[row + i])
                default:
                    let bit = i * depth
                    let byte = Int(rows[row + bit / 8])
                    value = (byte >> (8 - depth - bit % 8)) & maxValue
                }
                if isPalette {
                    guard value < entries else {
                        throw RDAIOError(.corruptData, subject: source,
                                         problem: "pixel \(i) of row \(y) uses palette entry \(value) but the palette has \(entries)",
                                         fix: "re-create or re-download the file")
                    }
                    let o = (y * width + i) * 3
                    out[o] = palette[3 * value]; out[o + 1] = palette[3 * value + 1]; out[o + 2] = palette[3 * value + 2]
                } else {
                    out[y * perRow + i] = Self.eightBit(value, depth: depth)
                }
            }
        }
        return out
    }

    /// A `depth`-bit sample as the nearest 8-bit value (see the type's conversions).
    static func eightBit(_ value: Int, depth: Int) -> UInt8 {
        switch depth {
        case 16: return UInt8((2 * value + 257) / 514)   // round(value / 257)
        case 8: return UInt8(value)
        default: return UInt8(value * 255 / ((1 << depth) - 1))
        }
    }
}
