import ArgumentParser
import Foundation
import RDAIO
import RDAModel

/// `rda data ...`: getting the image data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Get the image data sets (MNIST, Fashion-MNIST).",
        subcommands: [DataFetch.self])
}

/// `rda data fetch mnist|fashion-mnist [--to DIR] [--url BASE]`.
struct DataFetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a data set's four IDX files and check their SHA-256 sums.",
        discussion: """
        Files go to DIR (default: $RDA_DATA_DIR/NAME when that is set, else ~/.cache/rda/NAME, where \
        rda train --data NAME finds them). Each file is checked against the SHA-256 compiled into rda \
        before it is moved into place; a file that fails is deleted. An interrupted download resumes \
        when the command is run again. Without --to and --url, a copy installed in \
        /usr/share/datasets/NAME (Debian: apt-get install dataset-fashion-mnist) is used as it is. \
        Have a copy elsewhere? Skip fetch: rda train --data NAME --data-dir DIR.
        """)

    @Argument(help: "mnist or fashion-mnist.")
    var name: String

    @Option(help: "Folder to write the files to (default: $RDA_DATA_DIR/NAME, else ~/.cache/rda/NAME).")
    var to: String?

    @Option(help: "Base URL of a folder holding the files (a mirror, http://, https:// or file://), instead of the published locations.")
    var url: String?

    @Option(help: "Seconds the whole fetch may take (1 to 86400); a transfer still running then stops and keeps its bytes for the next fetch.")
    var timeout: Double = DatasetDownload.defaultTimeout

    func run() throws {
        try reportingErrors {
            guard timeout.isFinite, (1...86_400).contains(timeout) else {
                throw RDAError("--timeout \(timeout) must be between 1 and 86400 seconds")
            }
            if to == nil, url == nil, let installed = DatasetDownload.installedCopy(of: name) {
                Console.info("\(name) is already installed in \(installed.path) (a system package); rda train --data \(name) finds it there: nothing to download")
                return
            }
            let folder = to.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? DatasetDownload.defaultFolder(for: name)
            let live = Console.isTerminal
            var lastDraw = Date.distantPast
            try DatasetDownload.fetch(name, to: folder, baseURL: url, deadline: Date(timeIntervalSinceNow: timeout)) { event in
                switch event {
                case let .progress(file, received, total):
                    // a terminal gets a line redrawn 10 times a second, a log one line every 10 s
                    guard Date().timeIntervalSince(lastDraw) > (live ? 0.1 : 10) else { return }
                    lastDraw = Date()
                    let of = total.map { String(format: " / %.1f MB (%.0f%%)", Double($0) / 1e6, 100 * Double(received) / Double(max($0, 1))) } ?? ""
                    let text = String(format: "%@  %.1f MB%@", file, Double(received) / 1e6, of)
                    FileHandle.standardError.write(Data((live ? "\r\u{1B}[K" + text : text + "\n").utf8))
                case let .verified(file, bytes, downloaded):
                    if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                    Console.info(String(format: "%@  %.1f MB  SHA-256 ok%@", file, Double(bytes) / 1e6, downloaded ? "" : " (already there)"))
                case let .retrying(file, reason):
                    if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                    Console.info("\(file): \(reason); trying the next source")
                }
            }
            Console.info("\(name) is in \(folder.path)")
            let defaultFolder = DatasetDownload.defaultFolder(for: name)
            if folder.standardizedFileURL.path != defaultFolder.standardizedFileURL.path {
                Console.info("use it with: rda train --data \(name) --data-dir \(folder.path)")
            }
        }
    }
}
