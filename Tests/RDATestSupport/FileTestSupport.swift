import Foundation
import Testing
import RDAIO

/// A fresh folder under the system temporary folder, removed when the value goes away.
public final class TempFolder {
    public let url: URL

    public init() {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("rdaio-tests-\(UUID().uuidString)", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Names of all entries in the folder (including hidden ones).
    public func entries(_ sub: String = "") -> [String] {
        let folder = sub.isEmpty ? url : url.appendingPathComponent(sub)
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }
}

/// Runs `body`, expects it to throw an `RDAIOError` of `kind` whose one-line text contains every
/// string in `words` (case-insensitive); returns the error for further checks.
@discardableResult
public func expectRDAIOError(_ kind: RDAIOError.Kind, _ words: [String] = [],
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Void) -> RDAIOError? {
    do {
        try body()
        Issue.record("expected RDAIOError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as RDAIOError {
        let text = error.description
        #expect(error.kind == kind, "kind \(error.kind) != \(kind): \(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("\n"), "message is not one line: \(text)", sourceLocation: sourceLocation)
        #expect(error.localizedDescription == text, sourceLocation: sourceLocation)
        for word in words {
            #expect(text.lowercased().contains(word.lowercased()), "'\(word)' missing from: \(text)",
                    sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected RDAIOError.\(kind), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Deterministic pseudo-random bytes (xorshift), for fixtures.
public func pseudoRandomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}

/// Result of running an external program.
public struct ProcessResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs `program` (looked up on PATH) with `arguments`; nil if it cannot be started.
public func run(_ program: String, _ arguments: [String], stdin: Data? = nil) -> ProcessResult? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    do { try process.run() } catch { return nil }
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try? input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

public enum Environment {
    /// The shared offline data folder (holding mnist/ and fashion-mnist/), if present (see `SharedData`).
    public static let sharedData: URL? = SharedData.directory

    public static let hasSharedData = sharedData != nil

    public static let hasPython: Bool = run("python3", ["-c", "import zlib, gzip, json"])?.status == 0

    public static let hasPythonSafetensors: Bool =
        run("python3", ["-c", "import safetensors, safetensors.numpy, numpy"])?.status == 0

    /// `env` exits with 127 when the program is not on PATH.
    public static let hasPngcheck: Bool = (run("pngcheck", ["-h"])?.status ?? 127) != 127
}

/// An independent bitwise CRC-32 (IEEE, reflected), to check the zlib one.
public func referenceCRC32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
