import Foundation
import Testing
import RDAIO
import RDATestSupport

/// Checks against the real MNIST / Fashion-MNIST test files when the offline copies exist
/// ($RDA_DATA_DIR, or ../shared/data next to the checkout). Only the small t10k files are read.
@Suite(.enabled(if: Environment.hasSharedData, "no shared data folder"))
struct SharedDataTests {
    static let root = Environment.sharedData ?? URL(fileURLWithPath: "/nonexistent")

    @Test func mnistTestImages() throws {
        let files = try DatasetLocator.locate("mnist", dataDir: Self.root.path, environment: [:])
        #expect(files.directory.lastPathComponent == "mnist")
        #expect(files.testImages.lastPathComponent == "t10k-images-idx3-ubyte.gz")
        let images = try IDX.readImages(at: files.testImages)
        #expect(images.count == 10_000 && images.rows == 28 && images.cols == 28)
        #expect(images.pixels.count == 7_840_000)
        let values = images.floats()
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        #expect(abs(mean - 0.1325) <= 0.0005, "mean \(mean)")
        #expect(values.min() == 0 && values.max() == 1)
    }

    @Test func mnistTestLabels() throws {
        let files = try DatasetLocator.locate("mnist", dataDir: Self.root.path, environment: [:])
        let labels = try IDX.readLabels(at: try #require(files.testLabels))
        #expect(labels.count == 10_000)
        var counts = [Int](repeating: 0, count: 10)
        for label in labels { counts[Int(label)] += 1 }
        #expect(counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    }

}

/// Fashion-MNIST from ../shared/data, or from Debian's `dataset-fashion-mnist` where that is all
/// there is (a fresh Debian machine).
@Suite(.enabled(if: SharedData.fashionMNIST != nil, "no Fashion-MNIST: ../shared/data/fashion-mnist or apt-get install dataset-fashion-mnist"))
struct FashionMNISTDataTests {
    @Test func fashionMnistTestImages() throws {
        let files = try DatasetLocator.locate("fashion-mnist", dataDir: SharedData.fashionMNIST!.path, environment: [:])
        let images = try IDX.readImages(at: files.testImages)
        #expect(images.count == 10_000 && images.rows == 28 && images.cols == 28)
        let mean = images.pixels.reduce(0) { $0 + Int($1) }
        #expect(abs(Double(mean) / 255 / 7_840_000 - 0.2868) <= 0.0005)
        #expect(files.trainImages.lastPathComponent == "train-images-idx3-ubyte.gz")
        #expect(files.trainLabels != nil)
    }
}
