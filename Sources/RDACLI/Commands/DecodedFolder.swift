import Foundation
import RDAModel
#if canImport(Glibc)
    import Glibc
#endif

/// A folder of decoded images (`decompress --out DIR/`) written all at once, like a run: the
/// files go into a fresh hidden folder beside DIR (`.DIR.partial-PID`), which is renamed to DIR
/// only when every file is written. A failure (a full disk, a bad record) removes the hidden
/// folder and leaves DIR as it was; a kill leaves only the hidden folder, removed by the next
/// decompress into the same place.
///
/// DIR may be missing, empty, or a folder an earlier decompress wrote (only `image-N.png` files):
/// its files are then replaced as a whole, never mixed with the new ones. Any other folder is
/// refused before anything is decoded.
enum DecodedFolder {
    /// Whether `name` is a file decompress writes into a folder.
    static func isDecodedImage(_ name: String) -> Bool {
        guard name.hasPrefix("image-"), name.hasSuffix(".png") else { return false }
        let digits = name.dropFirst("image-".count).dropLast(".png".count)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Refuses `dir` when it is a file or a folder holding anything decompress did not write.
    static func check(_ dir: URL) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw RDAError("--out \(dir.path) is a file, not a folder; choose a new folder") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
            throw RDAError("--out \(dir.path): cannot list the folder (\(String(cString: strerror(errno)))); choose another folder")
        }
        if let other = names.sorted().first(where: { !isDecodedImage($0) }) {
            throw RDAError("--out \(dir.path) holds \(other), which rda decompress did not write; choose a new or empty folder")
        }
    }

    /// Writes the folder `dir`: `fill` writes the files into the folder it is given (a fresh
    /// temporary one), which then replaces `dir`.
    static func write(to dir: URL, _ fill: (URL) throws -> Void) throws {
        let dir = dir.standardizedFileURL
        try check(dir)
        let parent = dir.deletingLastPathComponent(), name = dir.lastPathComponent
        removeAbandoned(in: parent, name: name)
        let staging = parent.appendingPathComponent(".\(name).partial-\(getpid())")
        try? FileManager.default.removeItem(at: staging)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw RDAError("--out \(dir.path): cannot create a folder in \(parent.path) (\(String(cString: strerror(errno)))); choose a writable place")
        }
        do {
            try fill(staging)
            try replace(dir, with: staging)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// Renames `staging` to `dir`; an existing `dir` (empty, or files of an earlier decompress)
    /// is moved aside first and removed after.
    static func replace(_ dir: URL, with staging: URL) throws {
        var old: URL? = nil
        if FileManager.default.fileExists(atPath: dir.path) {
            let aside = dir.deletingLastPathComponent().appendingPathComponent(".\(dir.lastPathComponent).old-\(getpid())")
            try? FileManager.default.removeItem(at: aside)
            guard rename(dir.path, aside.path) == 0 else {
                throw RDAError("--out \(dir.path): cannot replace the folder (\(String(cString: strerror(errno)))); remove it or choose another")
            }
            old = aside
        }
        guard rename(staging.path, dir.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let old { _ = rename(old.path, dir.path) }
            throw RDAError("--out \(dir.path): cannot move the decoded images into place (\(reason)); choose another folder")
        }
        if let old { try? FileManager.default.removeItem(at: old) }
    }

    /// Removes `.NAME.partial-PID` and `.NAME.old-PID` folders left in `parent` by a process that
    /// no longer runs (killed while writing).
    static func removeAbandoned(in parent: URL, name: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for entry in names {
            for marker in [".\(name).partial-", ".\(name).old-"] where entry.hasPrefix(marker) {
                guard let pid = Int32(entry.dropFirst(marker.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
            }
        }
    }
}
