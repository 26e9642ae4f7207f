import Testing
import Foundation

/// Runs the built `rda` executable (next to the test bundle) and returns its exit code and output.
func runRDA(_ args: [String], cwd: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let bin = productsDirectory.appendingPathComponent("rda")
    let p = Process()
    p.executableURL = bin
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The folder holding the built products (the test bundle's folder on Linux).
var productsDirectory: URL {
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        return bundle.bundleURL.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}

@Suite("rda command line")
struct CLITests {
    @Test func versionAndHelp() throws {
        let v = try runRDA(["--version"])
        #expect(v.status == 0 && v.stdout.contains("0.1"))
        let h = try runRDA(["--help"])
        #expect(h.status == 0 && h.stdout.contains("bench"))
    }
}
