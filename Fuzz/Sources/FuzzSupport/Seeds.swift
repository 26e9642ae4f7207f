import Foundation
import RDACore
import RDAIO
import RDAModel

/// Small valid inputs to start each target's corpus from, made by rda's own writers plus a few
/// hand-built variants (gzip header fields, several members, PNG ancillary chunks and split IDAT)
/// that the writers never produce.
public enum Seeds {
    /// Writes `seeds` into the folder named by the environment variable `RDA_FUZZ_SEEDS` (if set),
    /// one file each; called from `LLVMFuzzerInitialize`, before libFuzzer reads the corpus there.
    public static func writeIfAsked(_ seeds: () throws -> [(String, Data)]) {
        guard let folder = ProcessInfo.processInfo.environment["RDA_FUZZ_SEEDS"], !folder.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, data) in try seeds() {
                _ = FileManager.default.createFile(atPath: folder + "/seed-" + name, contents: data)
            }
        } catch {
            FileHandle.standardError.write(Data("fuzz seeds: \(error)\n".utf8))
            exit(2)
        }
    }

    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var s = seed | 1
        return (0..<count).map { _ in s ^= s << 13; s ^= s >> 7; s ^= s << 17; return UInt8(truncatingIfNeeded: s >> 24) }
    }

    /// IDX images and labels, plain and gzip-compressed.
    public static func idx() throws -> [(String, Data)] {
        let images = IDXBytes.images(IDXImages(count: 3, rows: 4, cols: 5, pixels: bytes(60, seed: 1)))
        let one = IDXBytes.images(IDXImages(count: 1, rows: 1, cols: 1, pixels: [255]))
        let labels = IDXBytes.labels(bytes(10, seed: 2).map { $0 % 10 })
        return [("images", images), ("images.gz", try Gzip.compress(images)), ("one", one),
                ("labels", labels), ("labels.gz", try Gzip.compress(labels, level: 1))]
    }

    /// gzip: one member, empty, two members, zero padding, and a header with FEXTRA, FNAME, FCOMMENT
    /// and FHCRC set.
    public static func gzip() throws -> [(String, Data)] {
        let text = Data("rate-distortion autoencoder, rate-distortion autoencoder\n".utf8)
        let one = try Gzip.compress(text)
        let empty = try Gzip.compress(Data())
        let raw = try Gzip.compress(Data(bytes(200, seed: 3)), level: 0)
        // Flags 0x1e: FHCRC | FEXTRA | FNAME | FCOMMENT, with the header CRC16 computed by hand.
        var header: [UInt8] = [0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3, 4, 0] + Array("ab12".utf8)
        header += Array("name".utf8) + [0] + Array("comment".utf8) + [0]
        let crc = crc32(header)
        header += [UInt8(crc & 0xff), UInt8((crc >> 8) & 0xff)]
        let flagged = Data(header) + one.dropFirst(10)
        return [("one.gz", one), ("empty.gz", empty), ("stored.gz", raw), ("two.gz", one + empty + one),
                ("padded.gz", one + Data(count: 7)), ("flags.gz", flagged)]
    }

    /// PNG: grey and RGB from the writer, and one with a text chunk and its IDAT split in two.
    public static func png() throws -> [(String, Data)] {
        let grey = try PNG.encodeGray(width: 5, height: 3, pixels: bytes(15, seed: 4))
        let rgb = try PNG.encodeRGB(width: 3, height: 4, pixels: bytes(36, seed: 5))
        // Split the writer's single IDAT of an image in two and put a tEXt chunk before it.
        let source = [UInt8](try PNG.encodeGray(width: 7, height: 6, pixels: bytes(42, seed: 6)))
        let ihdrEnd = 8 + 12 + 13
        let idatLength = Int(source[ihdrEnd]) << 24 | Int(source[ihdrEnd + 1]) << 16 | Int(source[ihdrEnd + 2]) << 8 | Int(source[ihdrEnd + 3])
        let idat = Array(source[(ihdrEnd + 8)..<(ihdrEnd + 8 + idatLength)])
        var split = Array(source[0..<ihdrEnd])
        split += chunk("tEXt", Array("Comment\u{0}fuzz".utf8))
        split += chunk("IDAT", Array(idat.prefix(idat.count / 2)))
        split += chunk("IDAT", Array(idat.dropFirst(idat.count / 2)))
        split += chunk("IEND", [])
        // bit depths and colour types the writer never produces: 1-bit grey, 2-bit palette with
        // tRNS, 16-bit RGB (rows with filter byte 0, in a stored deflate block)
        func ihdr(_ w: Int, _ h: Int, _ depth: UInt8, _ colour: UInt8) -> [UInt8] {
            chunk("IHDR", [0, 0, 0, UInt8(w), 0, 0, 0, UInt8(h), depth, colour, 0, 0, 0])
        }
        let oneBit = PNG.signature + ihdr(9, 3, 1, 0) + chunk("IDAT", storedZlib([0, 0xA5, 0x80, 0, 0x5A, 0x00, 0, 0xFF, 0x80]))
            + chunk("IEND", [])
        let palette = PNG.signature + ihdr(5, 2, 2, 3) + chunk("PLTE", bytes(12, seed: 8)) + chunk("tRNS", [0, 128])
            + chunk("IDAT", storedZlib([0, 0x1B, 0xC0, 0, 0xE4, 0x40])) + chunk("IEND", [])
        let sixteen = PNG.signature + ihdr(2, 2, 16, 2) + chunk("IDAT", storedZlib([0] + bytes(12, seed: 9) + [0] + bytes(12, seed: 10)))
            + chunk("IEND", [])
        return [("grey.png", grey), ("rgb.png", rgb), ("split.png", Data(split)), ("grey1.png", Data(oneBit)),
                ("palette2.png", Data(palette)), ("rgb16.png", Data(sixteen))]
    }

    /// A zlib stream holding `raw` in one stored (uncompressed) deflate block, with its Adler-32.
    static func storedZlib(_ raw: [UInt8]) -> [UInt8] {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in raw { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        let n = raw.count
        return [0x78, 0x01, 0x01, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)] + raw
            + [UInt8(b >> 8), UInt8(b & 0xff), UInt8(a >> 8), UInt8(a & 0xff)]
    }

    /// safetensors: a file with metadata and F32/I32 tensors, and saved rda models (Gaussian MLP,
    /// quantized conv, linear).
    public static func safetensors() throws -> [(String, Data)] {
        var file = SafetensorsFile()
        file.set("a.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        file.set("b", shape: [], values: [7])
        file.set("t", shape: [3], integers: [1, -2, 3])
        file.metadata = ["note": "fuzz \"seed\"\n"]
        var seeds: [(String, Data)] = [("plain.safetensors", try file.encoded())]
        let configs = [
            ModelConfig(arch: .mlp, exampleShape: [6], latentDim: 2, widths: [4],
                        distortion: .l2, lambda: 2, sigmoidOutput: true, data: "fuzz", channel: .gaussian(prior: .learned)),
            ModelConfig(arch: .conv, exampleShape: [1, 4, 4], latentDim: 2, widths: [2, 2],
                        distortion: .l2, lambda: 8, sigmoidOutput: true, data: "fuzz", channel: .quantized(components: 2)),
            ModelConfig(arch: .linear, exampleShape: [3], latentDim: 2, widths: [],
                        distortion: .l1, lambda: 1, sigmoidOutput: false, data: "gaussian:2,1,0.5"),
        ]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rda-fuzz-seeds-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (i, config) in configs.enumerated() {
            var rng = SeededGenerator(seed: UInt64(i + 1))
            let url = folder.appendingPathComponent("model\(i).safetensors")
            try Checkpoint.save(RateDistortionAutoencoder(config: config, rng: &rng), to: url)
            seeds.append(("model-\(config.arch.rawValue)-\(config.channel.name).safetensors", try Data(contentsOf: url)))
        }
        return seeds
    }

    /// JSON: a safetensors-like header, escapes, numbers, nesting, and JSON lines.
    public static func json() -> [(String, Data)] {
        [("header.json", #"{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#),
         ("escapes.json", #"{"s":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","n":null,"b":[true,false]}"#),
         ("numbers.json", #"[0,-1,12345678901234567890,1.5,-0.5e-3,1E+2,4.0]"#),
         ("nested.json", #"[[[{"a":[{}]}]],[]]"#),
         ("lines.jsonl", "{\"epoch\":1,\"loss\":0.5}\n\n{\"epoch\":2,\"loss\":0.25}\n")]
            .map { ($0.0, Data($0.1.utf8)) }
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        let crc = crc32(typed)
        return [UInt8(body.count >> 24), UInt8((body.count >> 16) & 0xff), UInt8((body.count >> 8) & 0xff), UInt8(body.count & 0xff)]
            + typed + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xff), UInt8((crc >> 8) & 0xff), UInt8(crc & 0xff)]
    }

    /// CRC-32 (IEEE, as in gzip and PNG), bit by bit: seeds are tiny.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
