import Foundation
import RDAIO
import RDAModel

/// What every fuzz target accepts as an outcome of reading an input: success, or an error of
/// rda's own kinds (`RDAIOError`, `RDAError`) whose message is one non-empty line. Anything
/// else (another error type, an empty or multi-line message) stops the fuzzer with a crash
/// report, as do traps, sanitizer reports, timeouts (`-timeout`) and large allocations
/// (`-malloc_limit_mb`, `-rss_limit_mb`).
public enum Fuzz {
    /// The input as `Data`.
    public static func data(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Data {
        guard let bytes, count > 0 else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// Runs `read`; returns whether it succeeded, and stops the process on an unexpected outcome.
    @discardableResult
    public static func expectCleanOutcome(_ what: String, _ read: () throws -> Void) -> Bool {
        do {
            try read()
            return true
        } catch let error as RDAIOError {
            checkMessage(what, error.description)
        } catch let error as RDAError {
            checkMessage(what, error.description)
        } catch {
            fail(what, "threw \(type(of: error)) instead of RDAIOError or RDAError: \(error)")
        }
        return false
    }

    /// Stops the process (libFuzzer then saves the input as a crash) unless `condition` holds.
    public static func require(_ condition: Bool, _ what: String, _ message: @autoclosure () -> String) {
        if !condition { fail(what, message()) }
    }

    static func checkMessage(_ what: String, _ text: String) {
        require(!text.isEmpty, what, "empty error message")
        require(!text.contains(where: \.isNewline), what, "error message is not one line: \(text)")
    }

    static func fail(_ what: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("fuzz \(what): \(message)\n".utf8))
        abort()
    }

    /// A file holding `data` in a private temporary folder (for readers that take a path), removed
    /// after `body`.
    public static func withTemporaryFile<T>(_ data: Data, name: String, _ body: (URL) throws -> T) rethrows -> T {
        let url = folder.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: data)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }

    static let folder: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("rda-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}
