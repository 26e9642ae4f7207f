import Foundation
import Testing
@testable import RDAIO
import RDATestSupport

/// Issue 10 classes 1 and 2 at the file readers: headers checked before data is expanded,
/// bounded inflation, strict headers, and hundreds of generated malformed inputs per reader that
/// must each end in success or an `RDAIOError`, never a crash, hang or huge allocation.
@Suite("File readers under hostile input")
struct HostileInputTests {
    /// An IDX images header for count x rows x cols, followed by `zeros` zero bytes.
    func idxImages(count: UInt32, rows: UInt32, cols: UInt32, zeros: Int) -> Data {
        var d = Data()
        for v in [IDX.imagesMagic, count, rows, cols] { IDX.appendBigEndian(v, to: &d) }
        d.append(Data(count: zeros))
        return d
    }

    @Test func gzipBombStopsAtTheHeadersSize() throws {
        // 1 image of 28x28 announced, 64 MiB of zeros behind it (64 KiB compressed)
        let bomb = try Gzip.compress(idxImages(count: 1, rows: 28, cols: 28, zeros: 64 << 20), level: 9)
        #expect(bomb.count < 200_000)
        #expect {
            try IDX.decodeImages(bomb, source: "bomb.gz")
        } throws: { error in
            let e = error as? RDAIOError
            return e?.kind == .sizeMismatch && e!.description.contains("more than \(16 + 784) bytes")
        }
    }

    @Test(arguments: [(1, 16384, 16384), (1_000_000, 2048, 2048), (2, 5000, 10)])
    func headersAskingTooMuchAreRefusedBeforeInflating(_ n: Int, _ rows: Int, _ cols: Int) throws {
        // a header and a little data: the refusal must come from the header, not from the length
        let file = try Gzip.compress(idxImages(count: UInt32(n), rows: UInt32(rows), cols: UInt32(cols), zeros: 1000))
        for data in [file, idxImages(count: UInt32(n), rows: UInt32(rows), cols: UInt32(cols), zeros: 1000)] {
            #expect {
                try IDX.decodeImages(data, source: "big")
            } throws: { error in
                let text = "\(error)"
                return (error as? RDAIOError)?.kind == .unsupported && text.contains("\(IDX.maximumImageSide)x\(IDX.maximumImageSide)")
                    && text.contains("\(IDX.maximumPayload)")
            }
        }
        var labels = Data()
        for v in [IDX.labelsMagic, UInt32(IDX.maximumPayload + 1)] { IDX.appendBigEndian(v, to: &labels) }
        #expect(throws: RDAIOError.self) { try IDX.decodeLabels(try Gzip.compress(labels + Data(count: 100))) }
    }

    @Test func prefixAndLimitInflateOnlyWhatIsAsked() throws {
        let plain = Data(pseudoRandomBytes(100_000))
        let gz = try Gzip.compress(plain)
        #expect(try Gzip.prefix(gz, count: 16) == plain.prefix(16))
        #expect(try Gzip.prefix(gz, count: 200_000) == plain)
        #expect(try Gzip.decompress(gz, limit: plain.count) == plain)
        #expect(throws: RDAIOError.self) { try Gzip.decompress(gz, limit: plain.count - 1) }
        #expect(try Gzip.decompress(try Gzip.compress(Data()), limit: 0) == Data())
    }

    @Test func strictJSONHeaders() throws {
        let bad = [
            #"{"a":1,"a":2}"#, #"{"x":{"y":1,"y":1}}"#, "[1,]", "{\"a\":01}", "\"\u{1}\"",
            "[" + String(repeating: "[", count: 100_000), String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
            "1e400", #""\ud800""#, "nul", "{\"a\" 1}", "", " ",
        ]
        for text in bad {
            #expect(throws: JSONValue.ParseFailure.self, "\(text.prefix(30))") { try JSONValue.parse(Data(text.utf8)) }
        }
        #expect(try JSONValue.parse(Data(#"{"s":[4,784],"f":4.0,"e":4e0,"big":99999999999999999999}"#.utf8))
                == .object(["s": .array([.integer(4), .integer(784)]), "f": .number(4), "e": .number(4), "big": .number(1e20)]))
        #expect(try JSONValue.parse(Data(#" {"k":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","n":null,"b":[true,false],"m":-0.5e-3} "#.utf8))
                == .object(["k": .string("a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1F600}"), "n": .null, "b": .array([.bool(true), .bool(false)]), "m": .number(-0.5e-3)]))
    }

    /// A safetensors header with a float dimension or a repeated key is refused.
    @Test func safetensorsHeaderStrictness() throws {
        func file(_ header: String, dataBytes: Int) -> Data {
            var h = Array(header.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            var d = Data()
            withUnsafeBytes(of: UInt64(h.count).littleEndian) { d.append(contentsOf: $0) }
            return d + Data(h) + Data(count: dataBytes)
        }
        let good = #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#
        #expect(try SafetensorsFile.decode(file(good, dataBytes: 24)).tensors["w"]?.shape == [2, 3])
        for header in [#"{"w":{"dtype":"F32","shape":[2.0,3],"data_offsets":[0,24]}}"#,
                       #"{"w":{"dtype":"F32","shape":[2,3],"shape":[6],"data_offsets":[0,24]}}"#,
                       #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}"#,
                       #"{"__metadata__":{"a":"1","a":"2"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#,
                       #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24.0]}}"#] {
            #expect(throws: RDAIOError.self, "\(header)") { try SafetensorsFile.decode(file(header, dataBytes: 24)) }
        }
    }

    @Test func encodeFiniteWritesNullAndTheReason() throws {
        struct Report: Codable { var a: Double; var b: [Double]; var c: Int; var d: Double? }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let fine = Report(a: 1.5, b: [2, 3], c: 4, d: nil)
        #expect(try encoder.encodeFinite(fine) == (try encoder.encode(fine)))
        let bad = Report(a: .infinity, b: [1, .nan], c: 4, d: -.infinity)
        let object = try JSONSerialization.jsonObject(with: try encoder.encodeFinite(bad)) as! [String: Any]
        #expect(object["a"] is NSNull && object["d"] is NSNull && (object["b"] as! [Any])[1] is NSNull)
        #expect((object["b"] as! [Any])[0] as? Double == 1 && object["c"] as? Int == 4)
        #expect(object[JSONEncoder.nonFiniteKey] as? [String: String] == ["a": "inf", "b[1]": "nan", "d": "-inf"])
    }

    /// Hundreds of mutations of a valid file per reader: every one ends in a value or an
    /// `RDAIOError` (a crash would end the test process), within a bounded time.
    @Test func generatedMalformedInputs() throws {
        var state: UInt64 = 0x5DEE_CE66_D1CE_4E5B
        func next(_ n: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(n))
        }
        let extremes: [UInt32] = [0, 1, 3, 4, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 16384, 65536, 28]
        func mutate(_ base: [UInt8], headerSize: Int) -> [UInt8] {
            var b = base
            switch next(6) {
            case 0: for _ in 0...next(4) { if !b.isEmpty { b[next(b.count)] ^= UInt8(1 << next(8)) } }
            case 1: b = Array(b.prefix(next(b.count + 1)))
            case 2: b.insert(contentsOf: pseudoRandomBytes(1 + next(20), seed: UInt64(next(1 << 30) + 1)), at: next(b.count + 1))
            case 3:  // an extreme 32-bit field in the header, either byte order
                let at = 4 * next(max(1, headerSize / 4)), v = extremes[next(extremes.count)]
                let bytes = next(2) == 0 ? [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
                                         : [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
                for i in 0..<4 where at + i < b.count { b[at + i] = bytes[i] }
            case 4: b += pseudoRandomBytes(1 + next(100), seed: UInt64(next(1 << 30) + 1))
            default: if b.count > 2 { b.removeSubrange(next(b.count / 2)..<(b.count / 2 + next(b.count / 2))) }
            }
            return b
        }
        let images = try IDX.encodeImages(IDXImages(count: 3, rows: 4, cols: 5, pixels: pseudoRandomBytes(60)))
        let labels = try IDX.encodeLabels(pseudoRandomBytes(10))
        var st = SafetensorsFile()
        st.set("a.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]); st.set("b", shape: [], values: [7])
        st.metadata = ["rda.config": #"{"x":1}"#]
        let png = try PNG.encodeGray(width: 3, height: 2, pixels: [0, 50, 100, 150, 200, 250])
        let json = Data(#"{"a":[1,2,{"b":"c\u00e9"}],"d":-1.5e3,"e":null,"f":true}"#.utf8)
        let readers: [(String, Data, Int, (Data) throws -> Void)] = [
            ("idx images", images, 16, { _ = try IDX.decodeImages($0) }),
            ("idx images gz", try Gzip.compress(images), 16, { _ = try IDX.decodeImages($0) }),
            ("idx labels", labels, 8, { _ = try IDX.decodeLabels($0) }),
            ("idx labels gz", try Gzip.compress(labels), 8, { _ = try IDX.decodeLabels($0) }),
            ("gzip", try Gzip.compress(Data(pseudoRandomBytes(300))), 12, { _ = try Gzip.decompress($0, limit: 1 << 20) }),
            ("safetensors", try st.encoded(), 16, { _ = try SafetensorsFile.decode($0) }),
            ("png", png, 33, { _ = try PNG.decode($0) }),
            ("json", json, 8, { _ = try? JSONValue.parse($0) }),
        ]
        let start = Date()
        var tried = 0
        for (name, base, headerSize, read) in readers {
            for _ in 0..<400 {
                var input = mutate([UInt8](base), headerSize: headerSize)
                if next(3) == 0 { input = mutate(input, headerSize: headerSize) }
                do { try read(Data(input)) } catch is RDAIOError {} catch {
                    Issue.record("\(name): \(type(of: error)) instead of RDAIOError: \(error)")
                }
                tried += 1
            }
        }
        #expect(tried == 3200)
        #expect(Date().timeIntervalSince(start) < 30)
    }
}
