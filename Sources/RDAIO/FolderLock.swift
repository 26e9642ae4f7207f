import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a folder, held through the hidden file
/// `FOLDER/.rda-lock` (created when missing, never removed: removing it would let two processes
/// lock two different files). The kernel drops the lock when its holder exits, killed or not, so
/// a lock is never stale. Used so that only one rda process writes into a run folder at a time.
public final class FolderLock {
    public static let fileName = ".rda-lock"
    private var fd: Int32
    public let folder: URL

    private init(fd: Int32, folder: URL) { self.fd = fd; self.folder = folder }

    /// Takes the lock on `folder` (created with its parents if missing). With `wait` false,
    /// returns nil at once when another process holds it; with `wait` true, blocks until it is free.
    public static func acquire(_ folder: URL, wait: Bool) throws -> FolderLock? {
        try AtomicFile.createFolder(folder, for: folder.appendingPathComponent(fileName).path)
        let path = folder.appendingPathComponent(fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            throw RDAIOError(.notWritable, subject: path,
                             problem: "cannot create the lock file (\(RDAIOError.systemMessage(code)))",
                             fix: "choose a writable output folder or fix its permissions")
        }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            _ = systemClose(fd)
            if code == EWOULDBLOCK { return nil }
            throw RDAIOError(.notWritable, subject: path,
                             problem: "cannot lock (\(RDAIOError.systemMessage(code)))",
                             fix: "use a local folder whose file system supports flock")
        }
        return FolderLock(fd: fd, folder: folder)
    }

    /// Releases the lock (also done when the object is freed or the process ends).
    public func release() {
        if fd >= 0 {
            _ = flock(fd, LOCK_UN)
            _ = systemClose(fd)
            fd = -1
        }
    }

    deinit { release() }
}

extension AtomicFile {
    /// Removes the temporaries (`.NAME.<pid>.<random>.tmp`) that writers killed mid-write left in
    /// `folder`: those whose process no longer exists (the current process's own are kept).
    /// Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(in folder: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropLast(4).split(separator: ".")
            // [..., NAME parts, pid, random]
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), UInt32(parts[parts.count - 1]) != nil else { continue }
            if pid == getpid() { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }   // that process still runs
            if unlink(folder.appendingPathComponent(name).path) == 0 { removed.append(name) }
        }
        return removed
    }
}
