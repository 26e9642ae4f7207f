import RDATestSupport
import Foundation
import Testing
import RDAIO

@Suite struct AtomicFileTests {
    struct Interrupted: Error {}

    @Test func writesCreatesFoldersAndReplaces() throws {
        let folder = TempFolder()
        let url = folder.file("a/b/c/out.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        try AtomicFile.write([9, 8], to: url)
        #expect(try Data(contentsOf: url) == Data([9, 8]))
        #expect(folder.entries("a/b/c") == ["out.bin"])
    }

    @Test func streamingWriter() throws {
        let folder = TempFolder()
        let url = folder.file("s.txt")
        var counted = 0
        try AtomicFile.write(to: url) { writer in
            try writer.write("hello ")
            try writer.write(Data("big ".utf8))
            try writer.write(Array("world".utf8))
            counted = writer.bytesWritten
        }
        #expect(counted == 15)
        #expect(try String(contentsOf: url, encoding: .utf8) == "hello big world")
    }

    @Test func failureMidWriteKeepsOldFile() throws {
        let folder = TempFolder()
        let url = folder.file("keep.txt")
        try AtomicFile.write(Data("old content".utf8), to: url)
        #expect(throws: Interrupted.self) {
            try AtomicFile.write(to: url) { writer in
                try writer.write(Data(repeating: 0x41, count: 100_000))
                throw Interrupted()
            }
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "old content")
        #expect(folder.entries() == ["keep.txt"])  // the temporary file is gone
    }

    @Test func parentIsAFile() throws {
        // Tests run as root, for whom permissions do not block writes; a file in the way does.
        let folder = TempFolder()
        let blocker = folder.file("blocker")
        try Data("x".utf8).write(to: blocker)
        let target = blocker.appendingPathComponent("out.png")
        let error = expectRDAIOError(.notWritable, [target.path, "cannot create folder", "is a file, not a folder"]) {
            try AtomicFile.write(Data([1]), to: target)
        }
        #expect(error?.fix.isEmpty == false)
        let deeper = blocker.appendingPathComponent("x/y/out.png")
        expectRDAIOError(.notWritable, ["\(blocker.path) is a file"]) { try AtomicFile.write(Data([1]), to: deeper) }
        #expect(try Data(contentsOf: blocker) == Data("x".utf8))
    }

    @Test func destinationIsAFolder() throws {
        let folder = TempFolder()
        expectRDAIOError(.notWritable, ["is a folder"]) { try AtomicFile.write(Data([1]), to: folder.url) }
    }
}
