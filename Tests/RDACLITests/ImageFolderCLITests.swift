import Testing
import Foundation
import RDAIO
import RDATestSupport

/// `--data images:DIR` from the command line: a folder of generated colour PNGs and JPEGs is
/// trained on with a dense model on random crops for a number of steps, recorded in run.json,
/// and a JPEG is compressed through `--image`.
@Suite("Image folders from the command line")
struct ImageFolderCLITests {
    /// Smooth colour images of odd sizes, PNG and JPEG.
    static func photoFolder(_ dir: URL) throws -> URL {
        let folder = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("more"), withIntermediateDirectories: true)
        for (i, (w, h)) in [(17, 33), (31, 12), (24, 24), (13, 40), (20, 19)].enumerated() {
            let pixels = (0..<(w * h)).flatMap { p -> [UInt8] in
                let x = p % w, y = p / w
                return [UInt8((x * 9 + i * 40) % 256), UInt8((y * 7 + 30) % 256), UInt8((x + y) * 3 % 256)]
            }
            let image = PNGImage(width: w, height: h, channels: 3, pixels: pixels)
            if i % 2 == 0 {
                try PNG.encode(image).write(to: folder.appendingPathComponent("more/p\(i).png"))
            } else {
                try JPEG.encode(image, quality: 90).write(to: folder.appendingPathComponent("j\(i).jpg"))
            }
        }
        return folder
    }

    @Test func aDenseModelTrainsOnCropsOfAFolderForSomeSteps() throws {
        let dir = TempFolder()
        let folder = try Self.photoFolder(dir.url)
        let out = dir.file("run")
        let r = try runRDA(["train", "--data", "images:" + folder.path, "--arch", "mlp", "--widths", "16", "--latent-dim", "4",
                            "--crop", "8", "--steps", "7", "--batch-size", "4", "--channel", "quantized", "--test-fraction", "0.3",
                            "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
        let images = try #require(record["images"] as? [String: Any])
        #expect(images["channels"] as? Int == 3 && images["crop"] as? Int == 8 && images["split"] as? String == "hash")
        #expect((images["train_files"] as? Int ?? 0) + (images["test_files"] as? Int ?? 0) == 5)
        let metrics = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(metrics.contains("\"epoch\""))

        // a JPEG of the model's size compresses through --image
        let jpeg = dir.file("small.jpg")
        try JPEG.encode(PNGImage(width: 8, height: 8, channels: 3, pixels: pseudoRandomBytes(192)), quality: 80).write(to: jpeg)
        let c = try runRDA(["compress", "--model", out.path, "--image", jpeg.path, "--out", dir.file("s.rdac").path])
        #expect(c.status == 0, "\(c.stderr)")
        // eval reads the model's own folder with its crop and channels
        let e = try runRDA(["eval", "--model", out.path])
        #expect(e.status == 0, "\(e.stderr)")
    }

    @Test func imageOptionsAreRefusedForOtherData() throws {
        let r = try runRDA(["train", "--data", "gaussian:1,1", "--crop", "8", "--out", "/nonexistent/x"])
        expectCleanFailure(r, mentions: ["--crop", "images:DIR"])
        let empty = TempFolder()
        expectCleanFailure(try runRDA(["train", "--data", "images:" + empty.url.path, "--out", empty.file("run").path]),
                           mentions: ["no .png, .jpg or .jpeg"])
    }
}
