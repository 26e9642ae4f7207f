import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing files all at once or not at all.
///
/// Data go to a temporary file in the destination folder, which is flushed to disk and then
/// renamed over the destination. Readers see either the old file or the complete new one; a
/// failure at any point removes the temporary file and leaves an existing file untouched.
/// Missing parent folders are created.
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { writer in try writer.write(data) }
    }

    /// Writes `bytes` to `url` atomically.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try write(to: url) { writer in try writer.write(bytes) }
    }

    /// Streams a file to `url` atomically: `produce` writes the content piece by piece.
    ///
    /// If `produce` throws, its error is rethrown unchanged, the temporary file is removed and
    /// any existing file at `url` is left as it was.
    public static func write(to url: URL, _ produce: (Writer) throws -> Void) throws {
        let destination = url.standardizedFileURL
        let path = destination.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
           isDirectory.boolValue {
            throw RDAIOError(.notWritable, subject: path, problem: "is a folder, cannot write a file there",
                             fix: "choose a file name inside it")
        }
        if try writeInPlace(path, produce) { return }
        let folder = destination.deletingLastPathComponent()
        try createFolder(folder, for: path)

        let tempPath = folder.appendingPathComponent(
            ".\(destination.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp").path
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            throw RDAIOError(.notWritable, subject: path,
                             problem: "cannot create a file in folder \(folder.path) (\(RDAIOError.systemMessage(code)))",
                             fix: "choose a writable folder or fix its permissions")
        }
        let writer = Writer(fd: fd, path: path)
        var finished = false
        defer {
            if !finished {
                writer.close()
                unlink(tempPath)
            }
        }
        try produce(writer)
        if fsync(fd) != 0 {
            let code = errno
            throw RDAIOError(.notWritable, subject: path,
                             problem: "cannot flush to disk (\(RDAIOError.systemMessage(code)))",
                             fix: "check free disk space and that the disk is healthy")
        }
        writer.close()
        if rename(tempPath, path) != 0 {
            let code = errno
            throw RDAIOError(.notWritable, subject: path,
                             problem: "cannot replace the file (\(RDAIOError.systemMessage(code)))",
                             fix: "check that the path is not a folder and that its folder is writable")
        }
        finished = true
        // Make the rename itself durable; failure here is harmless, so it is ignored.
        let folderFD = open(folder.path, O_RDONLY | O_CLOEXEC)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            _ = systemClose(folderFD)
        }
    }

    /// When `path` is a character device or a FIFO (`/dev/null`, `/dev/stdout`, a pipe), writes
    /// to it directly and returns true: such a file cannot be replaced by a rename, and must not
    /// be (as root, a rename over `/dev/null` would replace the device with a regular file). Any
    /// other special file (a block device, a socket) is refused. False for a regular or missing file.
    static func writeInPlace(_ path: String, _ produce: (Writer) throws -> Void) throws -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        if type == S_IFREG || type == S_IFDIR { return false }
        guard type == S_IFCHR || type == S_IFIFO else {
            throw RDAIOError(.notWritable, subject: path, problem: "is a special file (a block device or socket), not a file rda can write",
                             fix: "choose a regular file name")
        }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            throw RDAIOError(.notWritable, subject: path, problem: "cannot open the device for writing (\(RDAIOError.systemMessage(code)))",
                             fix: "choose a regular file name")
        }
        let writer = Writer(fd: fd, path: path)
        defer { writer.close() }
        try produce(writer)
        return true
    }

    /// Creates `folder` and its parents if missing; `path` is the file we want to write there.
    static func createFolder(_ folder: URL, for path: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw RDAIOError(.notWritable, subject: path,
                             problem: "cannot create folder \(folder.path): \(folder.path) is a file, not a folder",
                             fix: "remove or rename that file, or choose another output folder")
        }
        // Find the deepest existing ancestor to give a precise reason on failure.
        var ancestor = folder.deletingLastPathComponent()
        while ancestor.path != "/" && !manager.fileExists(atPath: ancestor.path) {
            ancestor = ancestor.deletingLastPathComponent()
        }
        if manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw RDAIOError(.notWritable, subject: path,
                             problem: "cannot create folder \(folder.path): \(ancestor.path) is a file, not a folder",
                             fix: "remove or rename that file, or choose another output folder")
        }
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw RDAIOError(.notWritable, subject: path,
                             problem: "cannot create folder \(folder.path) (\(reason))",
                             fix: "choose a writable output folder or fix the permissions of \(ancestor.path)")
        }
    }

    /// Sink handed to the `produce` closure of `write(to:_:)`.
    public final class Writer {
        private var fd: Int32
        private let path: String
        /// Bytes written so far.
        public private(set) var bytesWritten: Int = 0

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        /// Appends raw bytes.
        public func write(_ buffer: UnsafeRawBufferPointer) throws {
            guard var base = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let chunk = min(remaining, 1 << 30)
                let n = systemWrite(fd, base, chunk)
                if n < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    throw RDAIOError(.notWritable, subject: path,
                                     problem: "write failed after \(bytesWritten) bytes (\(RDAIOError.systemMessage(code)))",
                                     fix: "check free disk space and the folder's permissions")
                }
                base += n
                remaining -= n
                bytesWritten += n
            }
        }

        /// Appends the bytes of `data`.
        public func write(_ data: Data) throws {
            try data.withUnsafeBytes { try write($0) }
        }

        /// Appends `bytes`.
        public func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }

        /// Appends the UTF-8 bytes of `text`.
        public func write(_ text: String) throws {
            try write(Array(text.utf8))
        }

        func close() {
            if fd >= 0 {
                _ = systemClose(fd)
                fd = -1
            }
        }
    }
}
