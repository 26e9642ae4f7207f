import ArgumentParser
import Foundation

/// Runs a command body; any error becomes one line `rda: error: ...` on standard error and a
/// non-zero exit (never a stack trace).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch {
        Console.error("\(error)")
        throw ExitCode.failure
    }
}

/// Output helpers: results to standard output, progress and errors to standard error.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("rda: error: \(message)\n".utf8))
    }
    static func info(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
