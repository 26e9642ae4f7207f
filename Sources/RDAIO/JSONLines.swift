import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appending records to JSON-lines files (one JSON object per line), e.g. training metrics.
///
/// Keys are sorted; numbers stay numbers (a `Float` is written with its shortest decimal
/// form, so 0.1 stays 0.1). JSON has no NaN or infinity: such values are written as `null`.
/// Each record goes to the file in one `write` call on a file opened for appending, so lines
/// from concurrent writers do not interleave within a line.
public enum JSONLines {
    /// Appends `object` as one line to `url`, creating the file and its folder if needed.
    public static func append(_ object: [String: Any], to url: URL) throws {
        try appendLine(line(for: object), to: url)
    }

    /// Appends `value` encoded as JSON (sorted keys) as one line to `url`.
    public static func append<T: Encodable>(_ value: T, to url: URL) throws {
        try appendLine(line(forEncodable: value), to: url)
    }

    /// The JSON text (without newline) of `object`.
    public static func line(for object: [String: Any]) throws -> String {
        let clean = try sanitize(object, path: "")
        guard JSONSerialization.isValidJSONObject(clean) else {
            throw RDAIOError(.invalidArgument, subject: "JSON lines record",
                             problem: "the record cannot be written as JSON", fix: "use only strings, numbers, booleans, arrays and dictionaries")
        }
        let data = try JSONSerialization.data(withJSONObject: clean, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// The JSON text (without newline) of an `Encodable` value.
    public static func line<T: Encodable>(forEncodable value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encodeFinite(value), as: UTF8.self)
        } catch {
            throw RDAIOError(.invalidArgument, subject: "JSON lines record",
                             problem: "cannot encode \(T.self) as JSON (\(error))",
                             fix: "replace NaN or infinite values, or check the type's Encodable conformance")
        }
    }

    /// Reads every line of a JSON-lines file as a dictionary (blank lines are skipped).
    public static func read(from url: URL) throws -> [[String: Any]] {
        let text = String(decoding: try FileContents.read(url), as: UTF8.self)
        var records: [[String: Any]] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\r" || $0 == "\t" }) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw RDAIOError(.badHeader, subject: url.path, problem: "line \(number + 1) is not a JSON object",
                                 fix: "fix or remove that line")
            }
            records.append(object)
        }
        return records
    }

    // MARK: Internals

    static func appendLine(_ line: String, to url: URL) throws {
        let path = url.standardizedFileURL.path
        try AtomicFile.createFolder(url.standardizedFileURL.deletingLastPathComponent(), for: path)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            throw RDAIOError(.notWritable, subject: path, problem: "cannot open for appending (\(RDAIOError.systemMessage(code)))",
                             fix: "check that the path is not a folder and that its folder is writable")
        }
        defer { _ = systemClose(fd) }
        let bytes = Array((line + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw RDAIOError(.notWritable, subject: path, problem: "append failed (\(RDAIOError.systemMessage(code)))",
                                 fix: "check free disk space")
            }
            done += n
        }
    }

    /// Converts values to what JSONSerialization writes well: Float to its shortest Double,
    /// non-finite numbers to null; rejects types JSON cannot hold.
    static func sanitize(_ value: Any, path: String) throws -> Any {
        switch value {
        case let dict as [String: Any]:
            var out: [String: Any] = [:]
            for (key, item) in dict { out[key] = try sanitize(item, path: path.isEmpty ? key : "\(path).\(key)") }
            return out
        case let list as [Any]:
            return try list.enumerated().map { try sanitize($0.element, path: "\(path)[\($0.offset)]") }
        case let b as Bool:
            return b
        case let f as Float:
            guard f.isFinite else { return NSNull() }
            return Double(f.description) ?? Double(f)
        case let d as Double:
            return d.isFinite ? d : NSNull()
        case let i as Int: return i
        case let i as Int8: return Int(i)
        case let i as Int16: return Int(i)
        case let i as Int32: return Int(i)
        case let i as Int64: return i
        case let u as UInt: return u
        case let u as UInt8: return Int(u)
        case let u as UInt16: return Int(u)
        case let u as UInt32: return Int(u)
        case let u as UInt64: return u
        case let s as String: return s
        case let s as Substring: return String(s)
        case is NSNull: return NSNull()
        case Optional<Any>.none: return NSNull()
        default:
            throw RDAIOError(.invalidArgument, subject: "JSON lines record",
                             problem: "value at '\(path)' has type \(type(of: value)), which JSON cannot hold",
                             fix: "convert it to a string or number first")
        }
    }
}
