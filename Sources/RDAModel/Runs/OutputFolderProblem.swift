import Foundation

/// Why an output folder cannot be made or written, in rda's words (not Foundation's
/// "The operation could not be completed").
enum OutputFolderProblem {
    /// One line: what failed on which path, and the system's reason, e.g. "cannot create folder
    /// nope inside /proc (No such file or directory)".
    static func describe(_ dir: URL) -> String {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        // the deepest part of the path that exists
        var existing = dir.standardizedFileURL
        var missing: [String] = []
        while !fm.fileExists(atPath: existing.path, isDirectory: &isDir), existing.path != "/" {
            missing.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        if !isDir.boolValue {
            return "\(existing.path) is a file, not a folder"
        }
        if let first = missing.first {
            let attempt = existing.appendingPathComponent(first).path
            if mkdir(attempt, 0o755) == 0 {
                rmdir(attempt)
                return "cannot create the folders below \(existing.path)"
            }
            return "cannot create folder \(first) inside \(existing.path) (\(String(cString: strerror(errno))))"
        }
        if access(existing.path, W_OK) != 0 {
            return "the folder is not writable (\(String(cString: strerror(errno))))"
        }
        return "cannot create files in it"
    }
}
