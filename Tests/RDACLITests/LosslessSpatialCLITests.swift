import Testing
import Foundation
import RDAIO
import RDATestSupport

/// `--distortion discretized-logistic` and `compress --lossless` with `--arch spatial`: a tiny
/// colour model trained on a folder of PNGs codes colour images of any size (odd ones too) on
/// one chain, and decoding at 2 threads gives back the exact pixels of the file coded at 1 thread.
@Suite("Lossless coding with spatial models from the command line")
struct LosslessSpatialCLITests {
    @Test func aSpatialLogisticModelCodesColourImagesExactlyAcrossThreadCounts() throws {
        let dir = TempFolder()
        let folder = try ImageFolderCLITests.photoFolder(dir.url)
        let run = dir.file("run")
        let t = try runRDA(["train", "--data", "images:" + folder.path, "--arch", "spatial", "--downsamplings", "2", "--widths", "4",
                            "--latent-channels", "2", "--crop", "8", "--steps", "5", "--batch-size", "4",
                            "--distortion", "discretized-logistic", "--lambda", "1", "--out", run.path])
        #expect(t.status == 0, "\(t.stderr)")
        // three colour images: the model's crop (8 x 8), odd sizes smaller and larger than it; gradients and noise
        var images: [PNGImage] = []
        for (i, (w, h)) in [(8, 8), (5, 3), (13, 11)].enumerated() {
            var pixels: [UInt8] = pseudoRandomBytes(3 * w * h)
            if i != 1 {
                for p in 0..<(w * h) {
                    let g = UInt8(truncatingIfNeeded: p * 4), b = UInt8(truncatingIfNeeded: 255 - p)
                    pixels[3 * p] = g; pixels[3 * p + 1] = UInt8(i * 90); pixels[3 * p + 2] = b
                }
            }
            images.append(PNGImage(width: w, height: h, channels: 3, pixels: pixels))
        }
        let paths = try images.enumerated().map { i, image -> String in
            let url = dir.file("in\(i).png")
            try PNG.encode(image).write(to: url)
            return url.path
        }
        let file = dir.file("s.rdac")
        let c = try runRDA(["compress", "--lossless", "--model", run.path, "--image"] + paths + ["--out", file.path, "--json"],
                           environment: ["RDA_THREADS": "1"])
        #expect(c.status == 0, "\(c.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
        #expect(summary["images"] as? Int == 3)
        let out = dir.file("back/")
        let d = try runRDA(["decompress", file.path, "--model", run.path, "--out", out.path + "/"], environment: ["RDA_THREADS": "2"])
        #expect(d.status == 0, "\(d.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names.count == 3)
        for (i, name) in names.enumerated() where i < images.count {
            #expect(try PNG.read(from: out.appendingPathComponent(name)) == images[i], "\(name)")
        }
        // one image to FILE.png
        let one = dir.file("one.rdac"), png = dir.file("one.png")
        #expect(try runRDA(["compress", "--lossless", "--model", run.path, "--image", paths[2], "--out", one.path]).status == 0)
        #expect(try runRDA(["decompress", one.path, "--model", run.path, "--out", png.path]).status == 0)
        #expect(try PNG.read(from: png) == images[2])
        // a grey image for a colour model, a damaged file, several images to one PNG: one line, nothing written
        let grey = dir.file("grey.png")
        try PNG.encode(PNGImage(width: 6, height: 5, channels: 1, pixels: pseudoRandomBytes(30))).write(to: grey)
        let none = dir.file("none.rdac")
        expectCleanFailure(try runRDA(["compress", "--lossless", "--model", run.path, "--image", grey.path, "--out", none.path]), mentions: ["grey.png", "channel"])
        #expect(!FileManager.default.fileExists(atPath: none.path))
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count - 12] ^= 0x10
        let bad = dir.file("bad.rdac")
        try Data(bytes).write(to: bad)
        let nothing = dir.file("nothing/")
        expectCleanFailure(try runRDA(["decompress", bad.path, "--model", run.path, "--out", nothing.path + "/"]), mentions: ["bad.rdac"])
        expectCleanFailure(try runRDA(["decompress", file.path, "--model", run.path, "--out", dir.file("x.png").path]), mentions: ["3 images"])
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.png").path))
    }
}
