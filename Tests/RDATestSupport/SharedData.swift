import Foundation

/// The offline MNIST / Fashion-MNIST copy the tests read, found in one place for every test target:
/// `$RDA_DATA_DIR` when it holds `mnist/`, else `../shared/data` beside the checkout (as CI and the
/// developers have it). The product never looks there: tests pass this folder to rda explicitly
/// (`--data-dir`, or the `dataDir` argument).
public enum SharedData {
    /// The package root (this file is at Tests/RDATestSupport/SharedData.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folder holding `mnist/` (and `fashion-mnist/` where present), or nil.
    public static let directory: URL? = {
        var candidates = [packageRoot.appendingPathComponent("../shared/data").standardizedFileURL]
        if let env = ProcessInfo.processInfo.environment["RDA_DATA_DIR"], !env.isEmpty {
            candidates.insert(URL(fileURLWithPath: env), at: 0)
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("mnist/t10k-images-idx3-ubyte.gz").path) }
    }()

    /// Whether `directory` was found (for `.enabled(if:)` traits).
    public static var isPresent: Bool { directory != nil }

    /// Debian's copy of Fashion-MNIST (`apt-get install dataset-fashion-mnist`).
    public static let debianFashionMNIST = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// The folder holding Fashion-MNIST's files: `directory/fashion-mnist` when present, else
    /// Debian's copy when installed, else nil. The Fashion-MNIST tests read it, so that they run
    /// on a fresh Debian machine without `../shared`.
    public static let fashionMNIST: URL? = {
        let candidates = [directory?.appendingPathComponent("fashion-mnist"), debianFashionMNIST].compactMap { $0 }
        return candidates.first { folder in
            ["t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"].contains {
                FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
            }
        }
    }()
}
