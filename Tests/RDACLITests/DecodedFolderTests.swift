import Foundation
import Testing

/// Issue 25, class 4: `decompress --out DIR/` writes into a hidden folder renamed into place:
/// a refusal leaves no folder, a second decompress replaces the first one's images instead of
/// mixing with them, and a folder of other files is refused untouched.
@Suite("Decompress into a folder")
struct DecodedFolderTests {
    func pngs(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".png") }.sorted()
    }

    @Test func folderOutputIsAllOrNothing() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        // A model of non-image examples: refused before any folder is made.
        let gauss = root.appendingPathComponent("g")
        #expect(try runRDA(["train", "--channel", "quantized", "--lambda", "8", "--out", gauss.path] + tinyGaussian).status == 0)
        let gfile = root.appendingPathComponent("g.rdac")
        #expect(try runRDA(["compress", "--model", gauss.path, "--count", "3", "--test-examples", "3", "--out", gfile.path]).status == 0)
        let refused = root.appendingPathComponent("refused")
        expectCleanFailure(try runRDA(["decompress", gfile.path, "--model", gauss.path, "--out", refused.path + "/"]), mentions: ["grey or RGB"])
        #expect(!FileManager.default.fileExists(atPath: refused.path), "a refused decompress left an empty folder")

        // An image model: 5 images, then 3 into the same folder.
        let data = root.appendingPathComponent("data")
        try writeTinyImageSet(to: data, train: 64, test: 8, side: 28)
        let model = root.appendingPathComponent("m")
        let t = try runRDA(["train", "--data", data.path, "--channel", "quantized", "--arch", "mlp", "--widths", "16", "--latent-dim", "4",
                            "--epochs", "1", "--batch-size", "32", "--out", model.path])
        #expect(t.status == 0, "\(t.stderr)")
        let five = root.appendingPathComponent("five.rdac"), three = root.appendingPathComponent("three.rdac")
        #expect(try runRDA(["compress", "--model", model.path, "--data", data.path, "--count", "5", "--out", five.path]).status == 0)
        #expect(try runRDA(["compress", "--model", model.path, "--data", data.path, "--count", "3", "--out", three.path]).status == 0)
        let out = root.appendingPathComponent("images")
        let d5 = try runRDA(["decompress", five.path, "--model", model.path, "--out", out.path + "/"])
        #expect(d5.status == 0, "\(d5.stderr)")
        #expect(pngs(out) == (1...5).map { "image-\($0).png" })
        let d3 = try runRDA(["decompress", three.path, "--model", model.path, "--out", out.path])
        #expect(d3.status == 0, "\(d3.stderr)")
        #expect(pngs(out) == (1...3).map { "image-\($0).png" }, "the second decompress mixed with the first: \(pngs(out))")
        let hidden = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "left behind: \(hidden)")

        // A folder of the user's own files: refused, untouched.
        let mine = root.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: mine.appendingPathComponent("notes.txt"))
        expectCleanFailure(try runRDA(["decompress", five.path, "--model", model.path, "--out", mine.path]), mentions: ["notes.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: mine.path) == ["notes.txt"])
    }
}
