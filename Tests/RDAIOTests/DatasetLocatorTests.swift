import Foundation
import Testing
import RDAIO
import RDATestSupport

@Suite struct DatasetLocatorTests {
    /// Creates empty data set files in `folder` (the locator only looks at names).
    func populate(_ folder: URL, names: [String] = ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                                                     "train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names { try Data().write(to: folder.appendingPathComponent(name)) }
    }

    /// An empty stand-in for /usr/share/datasets inside `temp`: the tests do not depend on what
    /// the machine has installed.
    func noSystemData(_ temp: TempFolder) -> String { temp.url.appendingPathComponent("system-none").path }

    @Test func searchOrder() {
        let places = DatasetLocator.searchPlaces(for: "mnist", dataDir: "/d", environment: ["RDA_DATA_DIR": "/e", "HOME": "/h"])
        #expect(places.map(\.folder.path) == ["/d", "/d/mnist", "/e/mnist", "/usr/share/datasets/mnist", "/h/.cache/rda/mnist"])
        let noDataDir = DatasetLocator.searchPlaces(for: "fashion-mnist", dataDir: nil, environment: ["HOME": "/h"])
        #expect(noDataDir.map(\.folder.path) == ["/usr/share/datasets/fashion-mnist", "/h/.cache/rda/fashion-mnist"])
        let tilde = DatasetLocator.searchPlaces(for: "MNIST", dataDir: "~/data", environment: ["HOME": "/h", "RDA_DATA_DIR": ""])
        #expect(tilde.map(\.folder.path).prefix(2) == ["/h/data", "/h/data/mnist"])
        // Duplicates are searched once.
        let same = DatasetLocator.searchPlaces(for: "mnist", dataDir: "/e", environment: ["RDA_DATA_DIR": "/e", "HOME": "/h"])
        #expect(same.map(\.folder.path) == ["/e", "/e/mnist", "/usr/share/datasets/mnist", "/h/.cache/rda/mnist"])
    }

    @Test func dataDirItselfAndSubfolder() throws {
        let temp = TempFolder()
        let direct = temp.url.appendingPathComponent("direct")
        try populate(direct)
        let files = try DatasetLocator.locate("mnist", dataDir: direct.path, environment: ["HOME": temp.url.path])
        #expect(files.directory.path == direct.path)
        #expect(files.trainImages.lastPathComponent == "train-images-idx3-ubyte.gz")
        #expect(files.testImages.lastPathComponent == "t10k-images-idx3-ubyte.gz")
        #expect(files.trainLabels?.lastPathComponent == "train-labels-idx1-ubyte.gz")
        #expect(files.testLabels?.lastPathComponent == "t10k-labels-idx1-ubyte.gz")

        let parent = temp.url.appendingPathComponent("parent")
        try populate(parent.appendingPathComponent("fashion-mnist"))
        let sub = try DatasetLocator.locate("fashion-mnist", dataDir: parent.path, environment: ["HOME": temp.url.path])
        #expect(sub.directory.path == parent.appendingPathComponent("fashion-mnist").path)
    }

    @Test func precedence() throws {
        let temp = TempFolder()
        let dataDir = temp.url.appendingPathComponent("cli"), envDir = temp.url.appendingPathComponent("env")
        let home = temp.url.appendingPathComponent("home")
        try populate(dataDir.appendingPathComponent("mnist"))
        try populate(envDir.appendingPathComponent("mnist"))
        try populate(home.appendingPathComponent(".cache/rda/mnist"))
        let env = ["RDA_DATA_DIR": envDir.path, "HOME": home.path]

        #expect(try DatasetLocator.locate("mnist", dataDir: dataDir.path, environment: env).directory.path
                == dataDir.appendingPathComponent("mnist").path)
        #expect(try DatasetLocator.locate("mnist", dataDir: nil, environment: env).directory.path
                == envDir.appendingPathComponent("mnist").path)
        // A --data-dir without the files falls through to the next places.
        let empty = temp.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(try DatasetLocator.locate("mnist", dataDir: empty.path, environment: env).directory.path
                == envDir.appendingPathComponent("mnist").path)
        #expect(try DatasetLocator.locate("mnist", dataDir: "", environment: ["HOME": home.path],
                                          systemFolder: noSystemData(temp)).directory.path
                == home.appendingPathComponent(".cache/rda/mnist").path)
    }

    @Test func systemFolderIsInjectableAndSearchedBetweenEnvironmentAndCache() throws {
        let temp = TempFolder()
        let system = temp.url.appendingPathComponent("system"), envDir = temp.url.appendingPathComponent("env")
        let home = temp.url.appendingPathComponent("home")
        try populate(system.appendingPathComponent("fashion-mnist"))
        try populate(home.appendingPathComponent(".cache/rda/fashion-mnist"))
        let places = DatasetLocator.searchPlaces(for: "fashion-mnist", dataDir: nil, environment: ["HOME": "/h"], systemFolder: "/sys-data")
        #expect(places.map(\.folder.path) == ["/sys-data/fashion-mnist", "/h/.cache/rda/fashion-mnist"])
        // With data there, the injected system folder wins over the cache...
        #expect(try DatasetLocator.locate("fashion-mnist", dataDir: nil, environment: ["HOME": home.path],
                                          systemFolder: system.path).directory.path
                == system.appendingPathComponent("fashion-mnist").path)
        // ...loses to RDA_DATA_DIR...
        try populate(envDir.appendingPathComponent("fashion-mnist"))
        #expect(try DatasetLocator.locate("fashion-mnist", dataDir: nil, environment: ["HOME": home.path, "RDA_DATA_DIR": envDir.path],
                                          systemFolder: system.path).directory.path
                == envDir.appendingPathComponent("fashion-mnist").path)
        // ...and without data there the cache is used.
        #expect(try DatasetLocator.locate("fashion-mnist", dataDir: nil, environment: ["HOME": home.path],
                                          systemFolder: noSystemData(temp)).directory.path
                == home.appendingPathComponent(".cache/rda/fashion-mnist").path)
    }

    @Test func alternativeSpellingsAndOptionalLabels() throws {
        let temp = TempFolder()
        try populate(temp.url, names: ["train-images.idx3-ubyte.gz", "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte.gz"])
        let files = try DatasetLocator.locate(temp.url.path, dataDir: nil, environment: [:])
        #expect(files.trainImages.lastPathComponent == "train-images.idx3-ubyte.gz")
        #expect(files.testImages.lastPathComponent == "t10k-images.idx3-ubyte")
        #expect(files.trainLabels == nil)
        #expect(files.testLabels?.lastPathComponent == "t10k-labels.idx1-ubyte.gz")
        // Uncompressed is preferred when both are present.
        try populate(temp.url, names: ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"])
        #expect(try DatasetLocator.locate(temp.url.path, dataDir: nil, environment: [:]).trainImages.lastPathComponent
                == "train-images-idx3-ubyte")
        #expect(DatasetLocator.files(in: temp.url) != nil)
    }

    @Test func notFoundListsEveryPlace() throws {
        let temp = TempFolder()
        let partial = temp.url.appendingPathComponent("partial")
        try populate(partial, names: ["train-images-idx3-ubyte.gz"])
        let env = ["RDA_DATA_DIR": temp.url.appendingPathComponent("env").path, "HOME": temp.url.appendingPathComponent("home").path]
        let system = noSystemData(temp)
        let places = DatasetLocator.searchPlaces(for: "fashion-mnist", dataDir: partial.path, environment: env, systemFolder: system)
        let error = expectRDAIOError(.notFound, ["dataset 'fashion-mnist'", "not found", "no t10k-images-idx3-ubyte[.gz]",
                                                 "no such folder", "--data-dir", "RDA_DATA_DIR",
                                                 "apt-get install dataset-fashion-mnist"]) {
            _ = try DatasetLocator.locate("fashion-mnist", dataDir: partial.path, environment: env, systemFolder: system)
        }
        for place in places { #expect(error?.description.contains(place.folder.path) == true, "\(place.folder.path)") }
        #expect(places.count == 5)
        expectRDAIOError(.notFound, ["dataset 'mnist'", "--data-dir", "RDA_DATA_DIR", "t10k-images-idx3-ubyte.gz"]) {
            _ = try DatasetLocator.locate("mnist", dataDir: nil, environment: env, systemFolder: system)
        }
    }

    @Test func dataDirNamedForOtherDatasetIsSkipped() throws {
        let temp = TempFolder()
        let mnistFolder = temp.url.appendingPathComponent("mnist")
        try populate(mnistFolder)
        expectRDAIOError(.notFound, ["skipped: named for mnist"]) {
            _ = try DatasetLocator.locate("fashion-mnist", dataDir: mnistFolder.path, environment: ["HOME": temp.url.path],
                                          systemFolder: noSystemData(temp))
        }
        #expect(try DatasetLocator.locate("mnist", dataDir: mnistFolder.path, environment: [:]).directory.path == mnistFolder.path)
    }

    @Test func folderPaths() throws {
        let temp = TempFolder()
        expectRDAIOError(.fileNotFound, ["no such data set folder"]) {
            _ = try DatasetLocator.locate(temp.url.appendingPathComponent("missing").path, dataDir: nil, environment: [:])
        }
        expectRDAIOError(.notFound, ["unknown data set", "mnist or fashion-mnist"]) {
            _ = try DatasetLocator.locate("cifar-unknown-name", dataDir: nil, environment: [:])
        }
        let file = temp.file("plain-file")
        try Data().write(to: file)
        expectRDAIOError(.notFound, ["is a file"]) { _ = try DatasetLocator.locate(file.path, dataDir: nil, environment: [:]) }
        expectRDAIOError(.notFound, ["not a data set folder", "no train-images-idx3-ubyte[.gz] or t10k-images"]) {
            _ = try DatasetLocator.locate(temp.url.path, dataDir: nil, environment: [:])
        }
    }

    @Test func dataDirThatIsNotAFolderIsRefusedNotSkipped() throws {
        // Papercut: `--data-dir /typo` used to fall through to the next copy found (e.g. Debian's).
        let temp = TempFolder()
        let envDir = temp.url.appendingPathComponent("env")
        try populate(envDir.appendingPathComponent("mnist"))
        let env = ["RDA_DATA_DIR": envDir.path, "HOME": temp.url.path]
        let missing = temp.url.appendingPathComponent("no-such-folder").path
        expectRDAIOError(.fileNotFound, ["--data-dir", "no-such-folder", "no such folder"]) {
            _ = try DatasetLocator.locate("mnist", dataDir: missing, environment: env)
        }
        let file = temp.file("a-file")
        try Data().write(to: file)
        expectRDAIOError(.notFound, ["--data-dir", "is a file"]) {
            _ = try DatasetLocator.locate("fashion-mnist", dataDir: file.path, environment: env)
        }
        // nil and "" mean no --data-dir
        #expect(try DatasetLocator.locate("mnist", dataDir: nil, environment: env).directory.path
                == envDir.appendingPathComponent("mnist").path)
    }

    @Test func fetchFindsAnInstalledSystemCopy() throws {
        // `rda data fetch fashion-mnist` uses Debian's copy instead of downloading a second one.
        let temp = TempFolder()
        let system = temp.url.appendingPathComponent("system")
        #expect(DatasetDownload.installedCopy(of: "fashion-mnist", systemFolder: system.path) == nil)
        try populate(system.appendingPathComponent("fashion-mnist"), names: ["train-images-idx3-ubyte.gz"])
        #expect(DatasetDownload.installedCopy(of: "fashion-mnist", systemFolder: system.path) == nil, "incomplete")
        try populate(system.appendingPathComponent("fashion-mnist"))
        #expect(DatasetDownload.installedCopy(of: "Fashion_MNIST", systemFolder: system.path)?.path
                == system.appendingPathComponent("fashion-mnist").path)
        #expect(DatasetDownload.installedCopy(of: "mnist", systemFolder: system.path) == nil)
        #expect(DatasetDownload.installedCopy(of: "cifar", systemFolder: system.path) == nil)
    }

    @Test func locatedFilesRead() throws {
        // End to end with real (tiny) IDX fixtures found through RDA_DATA_DIR.
        let temp = TempFolder()
        let folder = temp.url.appendingPathComponent("mnist")
        let images = IDXImages(count: 2, rows: 2, cols: 2, pixels: [0, 255, 128, 1, 2, 3, 4, 5])
        try IDX.writeImages(images, to: folder.appendingPathComponent("train-images-idx3-ubyte.gz"), gzip: true)
        try IDX.writeImages(images, to: folder.appendingPathComponent("t10k-images-idx3-ubyte"))
        let files = try DatasetLocator.locate("mnist", dataDir: nil, environment: ["RDA_DATA_DIR": temp.url.path, "HOME": temp.url.path])
        #expect(try IDX.readImages(at: files.trainImages) == images)
        #expect(try IDX.readImages(at: files.testImages) == images)
    }
}
