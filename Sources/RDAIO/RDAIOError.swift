import Foundation

/// The one error type of RDAIO.
///
/// Every failure names three things on a single line: the file (or other subject) involved,
/// what is wrong with it, and what to do about it, e.g.
///
///     /data/t10k-images-idx3-ubyte.gz: truncated: header says 10000 images of 28x28
///     (7840016 bytes) but the data has 1200 bytes; re-download the file or check the copy
///
/// (shown wrapped here; `description` is always one line). `kind` lets code and tests tell
/// the failures apart without parsing the text.
public struct RDAIOError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// What went wrong, coarsely.
    public enum Kind: String, Sendable, CaseIterable {
        /// A file or folder does not exist.
        case fileNotFound
        /// A file exists but could not be read (permissions, it is a folder, I/O error).
        case notReadable
        /// A file or its folder could not be written.
        case notWritable
        /// The data ends before the header says it should.
        case truncated
        /// There are bytes after the end the header announces.
        case trailingData
        /// The file does not start with the magic number of the expected format.
        case badMagic
        /// The header is present but malformed (bad JSON, zero sizes, inconsistent fields...).
        case badHeader
        /// Declared sizes do not agree with each other or with the data.
        case sizeMismatch
        /// Compressed data or checksums are damaged.
        case corruptData
        /// A valid file uses a feature or data type RDAIO does not handle.
        case unsupported
        /// The caller passed values that cannot be written or used.
        case invalidArgument
        /// A search (e.g. for a data set) found nothing.
        case notFound
    }

    public var kind: Kind
    /// The file path, or a short name of the thing involved (e.g. "dataset 'mnist'").
    public var subject: String
    /// What is wrong, e.g. "wrong magic number 0x00000801 (expected 0x00000803)".
    public var problem: String
    /// How to fix it, e.g. "re-download the file".
    public var fix: String

    public init(_ kind: Kind, subject: String, problem: String, fix: String) {
        self.kind = kind
        self.subject = subject
        self.problem = problem
        self.fix = fix
    }

    /// `subject: problem; fix` on one line.
    public var description: String {
        var line = "\(subject): \(problem)"
        if !fix.isEmpty { line += "; \(fix)" }
        return RDAIOError.oneLine(line)
    }

    public var errorDescription: String? { description }

    /// Replaces line breaks and tabs so a message always prints as one line.
    static func oneLine(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var lastWasSpace = false
        for ch in text {
            if ch.isNewline || ch == "\t" {
                if !lastWasSpace { result.append(" ") }
                lastWasSpace = true
            } else {
                result.append(ch)
                lastWasSpace = ch == " "
            }
        }
        return result
    }

    /// The text of the C `errno` value `code`, e.g. "Permission denied".
    static func systemMessage(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
