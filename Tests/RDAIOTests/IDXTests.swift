import Foundation
import Testing
import RDAIO
import RDATestSupport

@Suite struct IDXTests {
    static let images = IDXImages(count: 5, rows: 4, cols: 3, pixels: pseudoRandomBytes(5 * 4 * 3, seed: 42))
    static let labels: [UInt8] = [3, 1, 4, 1, 5]

    @Test func encodedLayout() throws {
        let data = [UInt8](try IDX.encodeImages(Self.images))
        #expect(Array(data[0..<16]) == [0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 3])
        #expect(Array(data[16...]) == Self.images.pixels)
        let labelData = [UInt8](try IDX.encodeLabels(Self.labels))
        #expect(labelData == [0, 0, 8, 1, 0, 0, 0, 5] + Self.labels)
    }

    @Test func roundTripUncompressedAndGzipped() throws {
        let folder = TempFolder()
        for gzip in [false, true] {
            let imagesURL = folder.file("a\(gzip)-images-idx3-ubyte"), labelsURL = folder.file("a\(gzip)-labels-idx1-ubyte")
            try IDX.writeImages(Self.images, to: imagesURL, gzip: gzip)
            try IDX.writeLabels(Self.labels, to: labelsURL, gzip: gzip)
            #expect(Gzip.isGzip(try Data(contentsOf: imagesURL)) == gzip)
            #expect(try IDX.readImages(at: imagesURL) == Self.images)
            #expect(try IDX.readLabels(at: labelsURL) == Self.labels)
        }
    }

    @Test func detectionIsByContentNotName() throws {
        let folder = TempFolder()
        // Uncompressed data under a .gz name, gzip data without one: both read fine.
        let plainNamedGz = folder.file("t10k-images-idx3-ubyte.gz")
        try IDX.encodeImages(Self.images).write(to: plainNamedGz)
        #expect(try IDX.readImages(at: plainNamedGz) == Self.images)
        let gzipNamedPlain = folder.file("t10k-labels-idx1-ubyte")
        try Gzip.compress(IDX.encodeLabels(Self.labels)).write(to: gzipNamedPlain)
        #expect(try IDX.readLabels(at: gzipNamedPlain) == Self.labels)
    }

    @Test func floatsAreUnitScaled() {
        let all = IDXImages(count: 1, rows: 16, cols: 16, pixels: (0...255).map { UInt8($0) })
        let floats = all.floats()
        #expect(floats.count == 256)
        for (i, v) in floats.enumerated() { #expect(v == Float(i) / 255) }
        #expect(floats[0] == 0 && floats[255] == 1)

        let subset = Self.images.floats(images: 1..<3)
        #expect(subset.count == 2 * 12)
        #expect(subset == Self.images.pixels[12..<36].map { Float($0) / 255 })
        #expect(Array(Self.images.image(2)) == Array(Self.images.pixels[24..<36]))
        #expect(Self.images.floats(images: 4..<10).count == 12)  // clipped to the 5 images
    }

    // MARK: Malformed files

    /// Writes `bytes` to a file named `name` and returns its URL.
    func fixture(_ folder: TempFolder, _ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = folder.file(name)
        try Data(bytes).write(to: url)
        return url
    }

    @Test func wrongMagic() throws {
        let folder = TempFolder()
        let labelsFile = try fixture(folder, "labels", [UInt8](IDX.encodeLabels(Self.labels)))
        let error = expectRDAIOError(.badMagic, ["wrong magic", "0x00000801", "labels file", labelsFile.path]) {
            _ = try IDX.readImages(at: labelsFile)
        }
        #expect(error?.subject == labelsFile.path)
        let imagesFile = try fixture(folder, "images", [UInt8](IDX.encodeImages(Self.images)))
        expectRDAIOError(.badMagic, ["wrong magic", "images file"]) { _ = try IDX.readLabels(at: imagesFile) }
        let floatFile = try fixture(folder, "floats", [0, 0, 0x0D, 3] + Array(repeating: 1, count: 12))
        expectRDAIOError(.badMagic, ["float32"]) { _ = try IDX.readImages(at: floatFile) }
        let text = try fixture(folder, "text", Array("hello, world".utf8))
        expectRDAIOError(.badMagic, ["wrong magic"]) { _ = try IDX.readImages(at: text) }
    }

    @Test func truncated() throws {
        let folder = TempFolder()
        let full = [UInt8](try IDX.encodeImages(Self.images))
        let cut = try fixture(folder, "cut-images-idx3-ubyte", Array(full.prefix(40)))
        expectRDAIOError(.truncated, ["truncated", "header says 5 images of 4x3 (76 bytes)", "file has 40 bytes", "re-download"]) {
            _ = try IDX.readImages(at: cut)
        }
        let headerOnly = try fixture(folder, "header", Array(full.prefix(10)))
        expectRDAIOError(.truncated, ["truncated", "header"]) { _ = try IDX.readImages(at: headerOnly) }
        let tiny = try fixture(folder, "tiny", [0, 0])
        expectRDAIOError(.truncated, ["too short"]) { _ = try IDX.readImages(at: tiny) }
        let empty = try fixture(folder, "empty", [])
        expectRDAIOError(.truncated, ["too short"]) { _ = try IDX.readLabels(at: empty) }

        // Truncated inside a gzip file: the message speaks of decompressed data.
        let gzCut = try fixture(folder, "cut.gz", [UInt8](try Gzip.compress(Data(full.prefix(40)))))
        expectRDAIOError(.truncated, ["decompressed data has 40 bytes"]) { _ = try IDX.readImages(at: gzCut) }

        let labels = [UInt8](try IDX.encodeLabels(Self.labels))
        let labelsCut = try fixture(folder, "labels-cut", Array(labels.dropLast()))
        expectRDAIOError(.truncated, ["header says 5 labels"]) { _ = try IDX.readLabels(at: labelsCut) }
    }

    @Test func sizeMismatchTrailingGarbage() throws {
        let folder = TempFolder()
        let long = try fixture(folder, "long", [UInt8](try IDX.encodeImages(Self.images)) + [9, 9, 9])
        expectRDAIOError(.trailingData, ["size mismatch", "3 extra"]) { _ = try IDX.readImages(at: long) }
        let labels = try fixture(folder, "labels-long", [UInt8](try IDX.encodeLabels(Self.labels)) + [0])
        expectRDAIOError(.trailingData, ["size mismatch", "1 extra"]) { _ = try IDX.readLabels(at: labels) }
    }

    @Test func zeroDimensions() throws {
        let folder = TempFolder()
        let zeroRows = try fixture(folder, "zero-rows", [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3])
        expectRDAIOError(.badHeader, ["0x3"]) { _ = try IDX.readImages(at: zeroRows) }
        let zeroCount = try fixture(folder, "zero-count", [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2])
        expectRDAIOError(.badHeader, ["0 images"]) { _ = try IDX.readImages(at: zeroCount) }
        let zeroLabels = try fixture(folder, "zero-labels", [0, 0, 8, 1, 0, 0, 0, 0])
        expectRDAIOError(.badHeader, ["0 labels"]) { _ = try IDX.readLabels(at: zeroLabels) }
        let huge = try fixture(folder, "huge", [0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255])
        expectRDAIOError(.badHeader, ["too large"]) { _ = try IDX.readImages(at: huge) }
        let many = try fixture(folder, "many", [0, 0, 8, 3, 255, 255, 255, 255, 0, 0, 0, 1, 0, 0, 0, 1])
        // refused from the header alone: more pixels than a file may hold (issue 10)
        expectRDAIOError(.unsupported, ["header asks for 4294967295 images of 1x1", "at most \(IDX.maximumPayload) pixels"]) { _ = try IDX.readImages(at: many) }
    }

    @Test func corruptGzip() throws {
        let folder = TempFolder()
        var bytes = [UInt8](try Gzip.compress(IDX.encodeImages(Self.images)))
        bytes[bytes.count - 7] ^= 0x55  // CRC-32 in the gzip trailer
        let url = try fixture(folder, "t10k-images-idx3-ubyte.gz", bytes)
        expectRDAIOError(.corruptData, ["corrupt gzip", "t10k-images-idx3-ubyte.gz"]) { _ = try IDX.readImages(at: url) }
    }

    @Test func missingFileAndFolder() {
        let folder = TempFolder()
        expectRDAIOError(.fileNotFound, ["no such file", "nope-idx3-ubyte"]) {
            _ = try IDX.readImages(at: folder.file("nope-idx3-ubyte"))
        }
        expectRDAIOError(.notReadable, ["is a folder"]) { _ = try IDX.readLabels(at: folder.url) }
    }

    @Test func refusesToWriteInconsistentImages() {
        let folder = TempFolder()
        let bad = IDXImages(count: 2, rows: 2, cols: 2, pixels: [1, 2, 3])
        expectRDAIOError(.invalidArgument, ["need 8 pixels"]) { try IDX.writeImages(bad, to: folder.file("x")) }
        expectRDAIOError(.invalidArgument) { try IDX.writeLabels([], to: folder.file("y")) }
        #expect(folder.entries().isEmpty)
    }
}
