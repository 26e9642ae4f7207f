import RDATestSupport
import Foundation
import Testing
import RDAIO

@Suite struct SafetensorsTests {
    static let sample: SafetensorsFile = {
        var file = SafetensorsFile(metadata: ["format": "pt", "note": "quote \" backslash \\ newline \n é"])
        file.set("encoder.w", shape: [2, 3], values: [1, -2, 3.5, .pi, -0.0, 1e-30])
        file.set("encoder.b", shape: [3], values: [0.1, 0.2, 0.3])
        file.set("scale", shape: [], values: [42])
        file.set("empty", shape: [0, 4], values: [])
        file.set("naïve \"name\"", shape: [1, 1, 1], values: [.greatestFiniteMagnitude])
        return file
    }()

    /// `[u64 little-endian header length] header data`.
    func craft(_ header: String, _ data: [UInt8] = []) -> Data {
        let h = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { bytes.append(contentsOf: $0) }
        return Data(bytes + h + data)
    }

    @Test func roundTrip() throws {
        let folder = TempFolder()
        let url = folder.file("model.safetensors")
        try Self.sample.write(to: url)
        let back = try SafetensorsFile.read(from: url)
        #expect(back == Self.sample)
        #expect(back.metadata["note"] == "quote \" backslash \\ newline \n é")
        #expect(back.tensors["scale"]?.shape == [])
        #expect(back.tensors["empty"]?.values == [])
        #expect(try Data(contentsOf: url) == Self.sample.encoded())
        #expect(folder.entries() == ["model.safetensors"])  // no temporary file left
    }

    @Test func layoutIsDeterministicAndAligned() throws {
        let bytes = [UInt8](try Self.sample.encoded())
        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{\"__metadata__\":{\"format\":\"pt\",\"note\":"))
        #expect(!header.trimmingCharacters(in: .whitespaces).hasSuffix(" "))
        // Tensors sorted by name, data back to back in that order.
        let order = ["empty", "encoder.b", "encoder.w", "naïve \\\"name\\\"", "scale"].map { header.range(of: "\"\($0)\":{")!.lowerBound }
        #expect(order == order.sorted())
        #expect(header.contains("\"encoder.b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}"))
        #expect(header.contains("\"encoder.w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[12,36]}"))
        #expect(bytes.count == 8 + headerLength + 4 * (6 + 3 + 1 + 0 + 1))
        // Same content inserted in another order gives the same bytes.
        var other = SafetensorsFile(metadata: Self.sample.metadata)
        for name in Self.sample.tensors.keys.sorted().reversed() { other.tensors[name] = Self.sample.tensors[name] }
        #expect(try other.encoded() == Self.sample.encoded())
        // Float data are little-endian F32.
        let start = 8 + headerLength
        #expect(Array(bytes[start..<(start + 4)]) == [0xCD, 0xCC, 0xCC, 0x3D])  // 0.1f
    }

    @Test func exactSmallFile() throws {
        var file = SafetensorsFile()
        file.set("a", shape: [1], values: [1])
        let bytes = [UInt8](try file.encoded())
        let json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        #expect(bytes == [UInt8](craft(padded)) + [0, 0, 0x80, 0x3F])
        #expect(try SafetensorsFile.decode(Data(bytes)) == file)
        #expect(try SafetensorsFile.decode(craft("{}")) == SafetensorsFile())
    }

    @Test func validationErrors() {
        expectRDAIOError(.truncated, ["too short (5 bytes)"]) { _ = try SafetensorsFile.decode(Data([1, 2, 3, 4, 5])) }
        var pastEnd = [UInt8](craft("{}"))
        pastEnd[0] = 200
        expectRDAIOError(.truncated, ["header length 200", "past the end"]) { _ = try SafetensorsFile.decode(Data(pastEnd)) }
        expectRDAIOError(.badHeader, ["not valid JSON"]) { _ = try SafetensorsFile.decode(craft("{\"a\": ")) }
        expectRDAIOError(.badHeader, ["must be an object"]) { _ = try SafetensorsFile.decode(craft("[1,2]")) }
        expectRDAIOError(.badHeader, ["UTF-8"]) { _ = try SafetensorsFile.decode(Data([2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe])) }

        let f16 = craft("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", [0, 0, 0, 0])
        expectRDAIOError(.unsupported, ["dtype F16", "'h'", "only F32"]) { _ = try SafetensorsFile.decode(f16) }
        let bf16 = craft("{\"x\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", [0, 0])
        expectRDAIOError(.unsupported, ["BF16"]) { _ = try SafetensorsFile.decode(bf16) }

        let outOfRange = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", [0, 0, 0, 0])
        expectRDAIOError(.truncated, ["'a'", "past the end of the 4 data bytes"]) { _ = try SafetensorsFile.decode(outOfRange) }

        let overlap = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                            Array(repeating: 0, count: 8))
        expectRDAIOError(.badHeader, ["overlaps"]) { _ = try SafetensorsFile.decode(overlap) }

        let gap = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", Array(repeating: 0, count: 8))
        expectRDAIOError(.badHeader, ["gap of 4"]) { _ = try SafetensorsFile.decode(gap) }

        let mismatch = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", Array(repeating: 0, count: 8))
        expectRDAIOError(.sizeMismatch, ["spanning 8 bytes", "needs 12"]) { _ = try SafetensorsFile.decode(mismatch) }

        let trailing = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", Array(repeating: 0, count: 7))
        expectRDAIOError(.trailingData, ["3 bytes of trailing data"]) { _ = try SafetensorsFile.decode(trailing) }

        let reversed = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", Array(repeating: 0, count: 4))
        expectRDAIOError(.badHeader, ["begin after end"]) { _ = try SafetensorsFile.decode(reversed) }

        let fractional = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.5]}}", Array(repeating: 0, count: 4))
        expectRDAIOError(.badHeader, ["data_offsets"]) { _ = try SafetensorsFile.decode(fractional) }

        let negativeDim = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", Array(repeating: 0, count: 4))
        expectRDAIOError(.badHeader, ["invalid dimension -1"]) { _ = try SafetensorsFile.decode(negativeDim) }

        let noShape = craft("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", Array(repeating: 0, count: 4))
        expectRDAIOError(.badHeader, ["no shape"]) { _ = try SafetensorsFile.decode(noShape) }

        let badMetadata = craft("{\"__metadata__\":{\"epoch\":3}}")
        expectRDAIOError(.badHeader, ["metadata value of 'epoch'", "not a string"]) { _ = try SafetensorsFile.decode(badMetadata) }
    }

    @Test func readErrorsNameTheFile() throws {
        let folder = TempFolder()
        let url = folder.file("broken.safetensors")
        try Data([1, 2, 3]).write(to: url)
        expectRDAIOError(.truncated, [url.path, "too short"]) { _ = try SafetensorsFile.read(from: url) }
        expectRDAIOError(.fileNotFound, ["no such file"]) { _ = try SafetensorsFile.read(from: folder.file("none.safetensors")) }
    }

    @Test func invalidTensorsAreNotWritten() throws {
        let folder = TempFolder()
        let url = folder.file("model.safetensors")
        try Self.sample.write(to: url)
        let before = try Data(contentsOf: url)

        var bad = Self.sample
        bad.set("w", shape: [2, 2], values: [1, 2, 3])
        expectRDAIOError(.invalidArgument, ["'w'", "[2, 2]", "3 values"]) { try bad.write(to: url) }
        var reserved = SafetensorsFile()
        reserved.set("__metadata__", shape: [1], values: [1])
        expectRDAIOError(.invalidArgument, ["not allowed"]) { try reserved.write(to: url) }

        #expect(try Data(contentsOf: url) == before)
        #expect(folder.entries() == ["model.safetensors"])
    }

    @Test func failedWriteKeepsExistingFile() throws {
        let folder = TempFolder()
        let url = folder.file("model.safetensors")
        try Self.sample.write(to: url)
        let before = try Data(contentsOf: url)
        // Writing fails when the destination's folder cannot be created: the old file is untouched.
        let blocker = folder.file("not-a-folder")
        try Data("x".utf8).write(to: blocker)
        expectRDAIOError(.notWritable, ["is a file"]) { try Self.sample.write(to: blocker.appendingPathComponent("m.safetensors")) }
        // Writing over a folder fails too and leaves it alone.
        let dir = folder.file("dir.safetensors")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        expectRDAIOError(.notWritable, ["is a folder"]) { try Self.sample.write(to: dir) }
        #expect(try Data(contentsOf: url) == before)
        #expect(folder.entries() == ["dir.safetensors", "model.safetensors", "not-a-folder"])
    }
}
