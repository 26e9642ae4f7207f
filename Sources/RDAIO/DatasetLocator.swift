import Foundation

/// Finds the IDX files of MNIST-style data sets on disk.
///
/// A data set is a folder holding `train-images-idx3-ubyte` and `t10k-images-idx3-ubyte`
/// (labels `train-labels-idx1-ubyte`, `t10k-labels-idx1-ubyte` are optional). The
/// `train-images.idx3-ubyte` spelling is accepted too, colour images may be named `idx4-ubyte`
/// instead (the file's magic number decides how it is read, not its name), and each file may
/// end in `.gz`.
///
/// For a data set *name* (`mnist`, `fashion-mnist`) the folders searched are, in order:
/// 1. `dataDir` itself, then `dataDir/<name>` (when `dataDir` is given),
/// 2. `$RDA_DATA_DIR/<name>`,
/// 3. `/usr/share/datasets/<name>` (where Debian's `dataset-fashion-mnist` installs; the
///    `systemFolder` argument replaces it, so that tests need not depend on what is installed),
/// 4. `~/.cache/rda/<name>`.
/// Anything else is taken as the path of a folder holding the files.
public enum DatasetLocator {
    /// Data set names that are searched for; anything else is a folder path.
    public static let knownNames = ["mnist", "fashion-mnist"]
    /// The system-wide data set folder (Debian's `dataset-*` packages).
    public static let systemFolder = "/usr/share/datasets"
    /// The environment variable naming a folder that holds one subfolder per data set.
    public static let environmentVariable = "RDA_DATA_DIR"

    /// Finds the files of data set `name` (a known name or a folder path).
    ///
    /// - Parameters:
    ///   - dataDir: an extra folder searched first (e.g. from `--data-dir`); nil or "" for none.
    ///   - environment: where `RDA_DATA_DIR` and `HOME` are read.
    ///   - systemFolder: the system-wide folder holding one subfolder per data set.
    /// - Throws: `RDAIOError` `.notFound` listing every folder searched and how to fix it;
    ///   `.fileNotFound` / `.notFound` for a folder path that does not exist or lacks the files.
    public static func locate(_ name: String, dataDir: String?,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              systemFolder: String = DatasetLocator.systemFolder) throws -> DatasetFiles {
        guard let known = canonicalName(name) else {
            return try locateFolder(name, environment: environment)
        }
        try checkDataDir(dataDir, environment: environment)
        var searched: [String] = []
        for place in searchPlaces(for: known, dataDir: dataDir, environment: environment, systemFolder: systemFolder) {
            if let other = place.namedForOtherDataset {
                searched.append("\(place.folder.path) (skipped: named for \(other))")
                continue
            }
            switch inspect(place.folder) {
            case .found(let files):
                return files
            case .missing(let reason):
                searched.append("\(place.folder.path) (\(reason))")
            }
        }
        let apt = known == "fashion-mnist" ? ", or apt-get install dataset-fashion-mnist" : ""
        throw RDAIOError(.notFound, subject: "dataset '\(known)'",
                         problem: "not found; searched \(searched.joined(separator: ", "))",
                         fix: "download it with: rda data fetch \(known), or put train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz in a folder named by --data-dir or \(environmentVariable)\(apt)")
    }

    /// Refuses a `dataDir` (`--data-dir`) that names no folder: a folder the user named but that
    /// does not exist must not be passed over silently for another copy further down the search.
    ///
    /// - Throws: `RDAIOError` `.fileNotFound` when the path does not exist, `.notFound` for a file.
    public static func checkDataDir(_ dataDir: String?,
                                    environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let dataDir, !dataDir.isEmpty else { return }
        let folder = expand(dataDir, environment: environment)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
            throw RDAIOError(.fileNotFound, subject: "--data-dir \(folder.path)", problem: "no such folder",
                             fix: "check the path, or leave out --data-dir to search the usual places")
        }
        guard isDirectory.boolValue else {
            throw RDAIOError(.notFound, subject: "--data-dir \(folder.path)", problem: "is a file, not a folder",
                             fix: "pass the folder holding the IDX files (or one subfolder per data set)")
        }
    }

    /// One folder `locate` looks in.
    public struct Place: Equatable, Sendable {
        public var folder: URL
        /// Set when this is `dataDir` itself and its name is that of another known data set
        /// (e.g. `--data-dir .../mnist` while looking for fashion-mnist); such a folder is skipped.
        public var namedForOtherDataset: String?
    }

    /// The folders searched for the known data set `name`, in order, without duplicates
    /// (`systemFolder`: the system-wide folder, `/usr/share/datasets` unless a test injects another).
    public static func searchPlaces(for name: String, dataDir: String?,
                                    environment: [String: String] = ProcessInfo.processInfo.environment,
                                    systemFolder: String = DatasetLocator.systemFolder) -> [Place] {
        let name = canonicalName(name) ?? name
        var places: [Place] = []
        func add(_ url: URL, other: String? = nil) {
            let url = url.standardizedFileURL
            if !places.contains(where: { $0.folder.path == url.path }) {
                places.append(Place(folder: url, namedForOtherDataset: other))
            }
        }
        if let dataDir, !dataDir.isEmpty {
            let base = expand(dataDir, environment: environment)
            let baseName = canonicalName(base.lastPathComponent)
            add(base, other: (baseName != nil && baseName != name) ? baseName : nil)
            add(base.appendingPathComponent(name))
        }
        if let root = environment[environmentVariable], !root.isEmpty {
            add(expand(root, environment: environment).appendingPathComponent(name))
        }
        add(URL(fileURLWithPath: systemFolder).appendingPathComponent(name))
        add(home(environment).appendingPathComponent(".cache/rda").appendingPathComponent(name))
        return places
    }

    /// The data set files in `folder`, or nil if it lacks the training or test images.
    public static func files(in folder: URL) -> DatasetFiles? {
        if case .found(let files) = inspect(folder) { return files }
        return nil
    }

    /// File names accepted for `stem` ("train-images") with `format` ("idx3-ubyte"), in order of preference.
    public static func candidateNames(_ stem: String, _ format: String) -> [String] {
        ["\(stem)-\(format)", "\(stem)-\(format).gz", "\(stem).\(format)", "\(stem).\(format).gz"]
    }

    // MARK: Internals

    enum Inspection {
        case found(DatasetFiles)
        case missing(String)
    }

    static func inspect(_ folder: URL) -> Inspection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
            return .missing("no such folder")
        }
        guard isDirectory.boolValue else { return .missing("a file, not a folder") }
        let trainImages = firstFile(in: folder, candidateNames("train-images", "idx3-ubyte") + candidateNames("train-images", "idx4-ubyte"))
        let testImages = firstFile(in: folder, candidateNames("t10k-images", "idx3-ubyte") + candidateNames("t10k-images", "idx4-ubyte"))
        guard let trainImages, let testImages else {
            var lacking: [String] = []
            if trainImages == nil { lacking.append("train-images-idx3-ubyte[.gz]") }
            if testImages == nil { lacking.append("t10k-images-idx3-ubyte[.gz]") }
            return .missing("no " + lacking.joined(separator: " or "))
        }
        return .found(DatasetFiles(
            directory: folder,
            trainImages: trainImages,
            testImages: testImages,
            trainLabels: firstFile(in: folder, candidateNames("train-labels", "idx1-ubyte")),
            testLabels: firstFile(in: folder, candidateNames("t10k-labels", "idx1-ubyte"))))
    }

    static func firstFile(in folder: URL, _ names: [String]) -> URL? {
        for name in names {
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        return nil
    }

    static func locateFolder(_ path: String, environment: [String: String]) throws -> DatasetFiles {
        let looksLikePath = path.contains("/") || path.hasPrefix("~") || path.hasPrefix(".")
        let folder = expand(path, environment: environment)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory)
        if !exists {
            if looksLikePath {
                throw RDAIOError(.fileNotFound, subject: folder.path, problem: "no such data set folder",
                                 fix: "check the path, or use a data set name: \(knownNames.joined(separator: ", "))")
            }
            throw RDAIOError(.notFound, subject: "dataset '\(path)'",
                             problem: "unknown data set name and no folder of that name exists",
                             fix: "use \(knownNames.joined(separator: " or ")), or the path of a folder holding IDX files")
        }
        if !isDirectory.boolValue {
            throw RDAIOError(.notFound, subject: folder.path, problem: "is a file, not a data set folder",
                             fix: "pass the folder that holds train-images-idx3-ubyte[.gz] and t10k-images-idx3-ubyte[.gz]")
        }
        switch inspect(folder) {
        case .found(let files):
            return files
        case .missing(let reason):
            throw RDAIOError(.notFound, subject: folder.path, problem: "not a data set folder: \(reason)",
                             fix: "put train-images-idx3-ubyte[.gz] and t10k-images-idx3-ubyte[.gz] there, or pass another folder")
        }
    }

    /// "mnist" for "MNIST", "fashion-mnist" for "Fashion_MNIST"; nil for other strings.
    static func canonicalName(_ name: String) -> String? {
        let normalized = name.lowercased().replacingOccurrences(of: "_", with: "-")
        return knownNames.contains(normalized) ? normalized : nil
    }

    static func home(_ environment: [String: String]) -> URL {
        if let home = environment["HOME"], !home.isEmpty { return URL(fileURLWithPath: home) }
        return URL(fileURLWithPath: NSHomeDirectory())
    }

    /// `path` with a leading `~` replaced by the home folder, made absolute.
    static func expand(_ path: String, environment: [String: String]) -> URL {
        if path == "~" { return home(environment) }
        if path.hasPrefix("~/") {
            return home(environment).appendingPathComponent(String(path.dropFirst(2))).standardizedFileURL
        }
        return URL(fileURLWithPath: path).standardizedFileURL
    }
}
