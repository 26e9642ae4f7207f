import Foundation

/// Reading a whole file into memory with RDAIO's one-line errors.
public enum FileContents {
    /// The bytes of the file at `url`.
    ///
    /// Throws `RDAIOError` `.fileNotFound` when nothing is there, `.notReadable` when the path is
    /// a folder or cannot be read. `name` names the file expected (say "curve.json") and
    /// `madeBy` what writes it, for the hints.
    public static func read(_ url: URL, name: String? = nil, madeBy: String? = nil) throws -> Data {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RDAIOError(.fileNotFound, subject: path, problem: "no such file",
                             fix: "check the path" + (madeBy.map { " (\($0))" } ?? ""))
        }
        if isDirectory.boolValue {
            throw RDAIOError(.notReadable, subject: path, problem: "is a folder, not " + (name.map { "a \($0) file" } ?? "a file"),
                             fix: name.map { "pass the \($0) inside it" } ?? "pass the path of a file inside it")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            let reason = (error as NSError).localizedFailureReason
                ?? (error as NSError).localizedDescription
            throw RDAIOError(.notReadable, subject: path, problem: "cannot be read (\(reason))",
                             fix: "check its permissions and that the disk is readable")
        }
    }
}
