import RDAIO
/// Colour pictures from the grey machinery: an image of C channel-planar values ([C, H, W]: all
/// of red, then green, then blue) is laid out as C grey sheets, one per channel, whose bytes are
/// then interleaved into RGB pixels (r, g, b, r, g, b, ...). Captions and backgrounds, drawn
/// alike in every sheet, come out grey; a grey picture (C = 1) is the sheet itself.
enum ChannelPlanes {
    /// Channel `c` of an image whose channels hold `plane` values each (what there is of it when
    /// the image is short: the grids complete missing values with their background).
    static func plane(_ image: [Float], _ c: Int, plane: Int) -> [Float] {
        let lo = min(image.count, c * plane), hi = min(image.count, (c + 1) * plane)
        return Array(image[lo..<hi])
    }

    /// Sheets of equal size (one per channel) interleaved: pixel p of channel c at p * C + c.
    static func interleave(_ sheets: [[UInt8]]) -> [UInt8] {
        let c = sheets.count
        guard c > 1 else { return sheets.first ?? [] }
        let n = sheets[0].count
        return [UInt8](unsafeUninitializedCapacity: n * c) { out, initialized in
            for (ch, sheet) in sheets.enumerated() {
                precondition(sheet.count == n, "channel sheets of different sizes")
                for p in 0..<n { out[p * c + ch] = sheet[p] }
            }
            initialized = n * c
        }
    }
}
