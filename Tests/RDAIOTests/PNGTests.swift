import RDATestSupport
import Foundation
import Testing
import RDAIO

@Suite struct PNGTests {
    /// A grey test image mixing gradients, flat areas and noise so several row filters get used.
    static func testPixels(width: Int, height: Int) -> [UInt8] {
        let noise = pseudoRandomBytes(width * height, seed: 7)
        return (0..<(width * height)).map { i in
            let x = i % width, y = i / width
            switch y % 4 {
            case 0: return UInt8((x * 255) / max(1, width - 1))
            case 1: return UInt8((x + y) & 0xff)
            case 2: return noise[i]
            default: return y < height / 2 ? 0 : 200
            }
        }
    }

    struct Chunk {
        var type: String
        var body: [UInt8]
        var storedCRC: UInt32
    }

    /// Splits PNG bytes into chunks (independently of the decoder under test).
    func chunks(_ png: [UInt8]) -> [Chunk] {
        var result: [Chunk] = []
        var offset = 8
        func u32(_ at: Int) -> UInt32 { png[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        while offset + 12 <= png.count {
            let length = Int(u32(offset))
            let type = String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = Array(png[(offset + 8)..<(offset + 8 + length)])
            result.append(Chunk(type: type, body: body, storedCRC: u32(offset + 8 + length)))
            offset += 12 + length
        }
        return result
    }

    @Test func grayHeaderChunksAndCRCs() throws {
        let png = [UInt8](try PNG.encodeGray(width: 30, height: 20, pixels: Self.testPixels(width: 30, height: 20)))
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let parts = chunks(png)
        #expect(parts.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(parts[0].body == [0, 0, 0, 30, 0, 0, 0, 20, 8, 0, 0, 0, 0])
        #expect(parts[2].body.isEmpty)
        for chunk in parts {
            #expect(chunk.storedCRC == referenceCRC32(Array(chunk.type.utf8) + chunk.body), "CRC of \(chunk.type)")
        }
        #expect(parts[2].storedCRC == 0xAE42_6082)  // the well-known CRC of an empty IEND
    }

    @Test func grayRoundTrip() throws {
        for (w, h) in [(1, 1), (28, 28), (30, 20), (242, 242)] {
            let pixels = Self.testPixels(width: w, height: h)
            let image = try PNG.decode(PNG.encodeGray(width: w, height: h, pixels: pixels))
            #expect(image == PNGImage(width: w, height: h, channels: 1, pixels: pixels))
        }
    }

    @Test func rgbRoundTrip() throws {
        let (w, h) = (17, 9)
        let pixels = Self.testPixels(width: 3 * w, height: h)
        let data = try PNG.encodeRGB(width: w, height: h, pixels: pixels)
        #expect(chunks([UInt8](data))[0].body[9] == 2)  // colour type RGB
        #expect(try PNG.decode(data) == PNGImage(width: w, height: h, channels: 3, pixels: pixels))
    }

    @Test func writeAndReadFile() throws {
        let folder = TempFolder()
        let url = folder.file("sheets/samples.png")  // the folder is created
        let pixels = Self.testPixels(width: 10, height: 12)
        try PNG.writeGray(width: 10, height: 12, pixels: pixels, to: url)
        #expect(try PNG.read(from: url).pixels == pixels)
        try PNG.writeRGB(width: 2, height: 2, pixels: Array(0..<12), to: folder.file("rgb.png"))
        #expect(try PNG.read(from: folder.file("rgb.png")).pixels == Array(0..<12))
        #expect(folder.entries("sheets") == ["samples.png"])
    }

    @Test(.enabled(if: Environment.hasPython, "needs python3"))
    func independentDecoderAgrees() throws {
        // Python's zlib plus a separate un-filter implementation must recover our pixels,
        // and the encoder must have used more than one row filter on this image.
        let (w, h) = (64, 64)
        let pixels = Self.testPixels(width: w, height: h)
        let folder = TempFolder()
        let url = folder.file("f.png")
        try PNG.writeGray(width: w, height: h, pixels: pixels, to: url)
        let script = """
        import sys, zlib, struct
        data = open(sys.argv[1], 'rb').read()
        pos, idat = 8, b''
        while pos < len(data):
            n, = struct.unpack('>I', data[pos:pos+4])
            assert zlib.crc32(data[pos+4:pos+8+n]) == struct.unpack('>I', data[pos+8+n:pos+12+n])[0]
            if data[pos+4:pos+8] == b'IDAT': idat += data[pos+8:pos+8+n]
            pos += 12 + n
        w, h = struct.unpack('>II', data[16:24])
        raw = zlib.decompress(idat)
        assert len(raw) == (w + 1) * h
        out, prev, kinds = bytearray(), bytearray(w), set()
        for y in range(h):
            f, row = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
            kinds.add(f)
            for x in range(w):
                a = row[x - 1] if x else 0
                b = prev[x]
                c = prev[x - 1] if x else 0
                if f == 1: p = a
                elif f == 2: p = b
                elif f == 3: p = (a + b) // 2
                elif f == 4:
                    q = a + b - c
                    pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                else: p = 0
                row[x] = (row[x] + p) & 255
            out += row
            prev = row
        print(len(kinds), out.hex())
        """
        let result = try #require(run("python3", ["-c", script, url.path]))
        #expect(result.status == 0, "\(result.stderr)")
        let fields = result.stdout.split(separator: " ")
        #expect(fields.count == 2)
        #expect(Int(fields.first ?? "") ?? 0 >= 2, "filters used: \(fields.first ?? "")")
        let hex = pixels.map { String(format: "%02x", $0) }.joined()
        #expect(fields.last?.trimmingCharacters(in: .whitespacesAndNewlines) == hex)
    }

    /// A zlib stream of stored (uncompressed) deflate blocks, made without zlib.
    func zlibStored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let n = min(65_535, bytes.count - start)
            let final: UInt8 = start + n == bytes.count ? 1 : 0
            out += [final, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            out += bytes[start..<(start + n)]
            start += n
        } while start < bytes.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        let adler = b << 16 | a
        return out + [UInt8(adler >> 24), UInt8((adler >> 16) & 0xff), UInt8((adler >> 8) & 0xff), UInt8(adler & 0xff)]
    }

    @Test func decodesEveryRowFilter() throws {
        // Rows filtered here with filter y % 5 (None, Sub, Up, Average, Paeth), by code written
        // apart from the library, must decode to the original pixels, for grey and RGB.
        for channels in [1, 3] {
            let (w, h) = (23, 15)
            let rowBytes = w * channels
            let noise = pseudoRandomBytes(rowBytes * h, seed: 99)
            let pixels = (0..<(rowBytes * h)).map { i in
                (i / rowBytes) % 3 == 0 ? noise[i] : UInt8(truncatingIfNeeded: (i % rowBytes) * 7 + (i / rowBytes) * 13 + Int(noise[i] & 7))
            }
            var filtered: [UInt8] = []
            for y in 0..<h {
                let type = UInt8(y % 5)
                filtered.append(type)
                for i in 0..<rowBytes {
                    let x = Int(pixels[y * rowBytes + i])
                    let a = i >= channels ? Int(pixels[y * rowBytes + i - channels]) : 0
                    let b = y > 0 ? Int(pixels[(y - 1) * rowBytes + i]) : 0
                    let c = (i >= channels && y > 0) ? Int(pixels[(y - 1) * rowBytes + i - channels]) : 0
                    let prediction: Int
                    switch type {
                    case 1: prediction = a
                    case 2: prediction = b
                    case 3: prediction = (a + b) >> 1
                    case 4:
                        let p = a + b - c
                        let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                        prediction = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                    default: prediction = 0
                    }
                    filtered.append(UInt8((x - prediction + 256) & 0xff))
                }
            }
            let header: [UInt8] = [0, 0, 0, UInt8(w), 0, 0, 0, UInt8(h), 8, channels == 1 ? 0 : 2, 0, 0, 0]
            let png = PNG.signature + chunk("IHDR", header) + chunk("IDAT", zlibStored(filtered)) + chunk("IEND", [])
            #expect(try PNG.decode(Data(png)) == PNGImage(width: w, height: h, channels: channels, pixels: pixels))
        }
    }

    @Test(.enabled(if: Environment.hasPngcheck, "pngcheck not installed"))
    func pngcheckAccepts() throws {
        let folder = TempFolder()
        try PNG.writeGray(width: 50, height: 30, pixels: Self.testPixels(width: 50, height: 30), to: folder.file("g.png"))
        try PNG.writeRGB(width: 10, height: 10, pixels: pseudoRandomBytes(300), to: folder.file("c.png"))
        for name in ["g.png", "c.png"] {
            let result = try #require(run("pngcheck", ["-v", folder.file(name).path]))
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("No errors"))
        }
    }

    @Test func invalidArguments() {
        expectRDAIOError(.invalidArgument, ["needs 6 bytes", "5 were given"]) {
            _ = try PNG.encodeGray(width: 3, height: 2, pixels: [1, 2, 3, 4, 5])
        }
        expectRDAIOError(.invalidArgument, ["0x4"]) { _ = try PNG.encodeGray(width: 0, height: 4, pixels: []) }
        expectRDAIOError(.invalidArgument, ["needs 18 bytes"]) {
            _ = try PNG.encodeRGB(width: 3, height: 2, pixels: [UInt8](repeating: 0, count: 6))
        }
        expectRDAIOError(.invalidArgument, ["channels"]) {
            _ = try PNG.encode(PNGImage(width: 1, height: 1, channels: 4, pixels: [0, 0, 0, 0]))
        }
    }

    // MARK: Decoder errors

    /// Builds a chunk with a correct CRC.
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        let crc = referenceCRC32(typed)
        return [UInt8(body.count >> 24), UInt8((body.count >> 16) & 0xff), UInt8((body.count >> 8) & 0xff), UInt8(body.count & 0xff)]
            + typed + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xff), UInt8((crc >> 8) & 0xff), UInt8(crc & 0xff)]
    }

    @Test func decoderRejectsDamage() throws {
        let good = [UInt8](try PNG.encodeGray(width: 8, height: 8, pixels: Self.testPixels(width: 8, height: 8)))
        expectRDAIOError(.badMagic, ["not a PNG"]) { _ = try PNG.decode(Data("GIF89a..".utf8)) }

        var badCRC = good
        badCRC[8 + 8 + 13 + 4 + 8 + 2] ^= 0x01  // inside the IDAT body
        expectRDAIOError(.corruptData, ["CRC mismatch", "IDAT"]) { _ = try PNG.decode(Data(badCRC)) }

        expectRDAIOError(.truncated, ["truncated"]) { _ = try PNG.decode(Data(good.prefix(good.count - 12))) }
        expectRDAIOError(.truncated, ["truncated"]) { _ = try PNG.decode(Data(good.prefix(40))) }
        expectRDAIOError(.trailingData, ["after the IEND"]) { _ = try PNG.decode(Data(good + [0, 1])) }

        let signature = Array(good.prefix(8))
        let sixteenBit = signature + chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 16, 3, 0, 0, 0]) + chunk("IEND", [])
        expectRDAIOError(.unsupported, ["bit depth 16", "colour type 3"]) { _ = try PNG.decode(Data(sixteenBit)) }
        let interlaced = signature + chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 1]) + chunk("IEND", [])
        expectRDAIOError(.unsupported, ["interlaced"]) { _ = try PNG.decode(Data(interlaced)) }
        let noHeader = signature + chunk("IEND", [])
        expectRDAIOError(.badHeader, ["expected 'IHDR'"]) { _ = try PNG.decode(Data(noHeader)) }
        let noData = signature + chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]) + chunk("IEND", [])
        expectRDAIOError(.badHeader, ["no IDAT"]) { _ = try PNG.decode(Data(noData)) }

        // Too little image data inside a valid zlib stream (3 zero bytes for 4 rows of 1 + 4).
        let short = signature + chunk("IHDR", [0, 0, 0, 4, 0, 0, 0, 4, 8, 0, 0, 0, 0])
            + chunk("IDAT", [120, 156, 99, 96, 96, 0, 0, 0, 3, 0, 1]) + chunk("IEND", [])
        expectRDAIOError(.truncated, ["needs 20"]) { _ = try PNG.decode(Data(short)) }

        // Ancillary chunks are skipped.
        let parts = chunks(good)
        var withText = signature + chunk("IHDR", parts[0].body) + chunk("tEXt", Array("Comment\u{0}hi".utf8))
        withText += chunk("IDAT", parts[1].body) + chunk("IEND", [])
        #expect(try PNG.decode(Data(withText)).pixels == Self.testPixels(width: 8, height: 8))
    }
}
