import Testing
import Foundation
import RDAIO
import RDATestSupport

/// A `spatial` quantized model from the command line codes colour PNGs of any size (1x1, 17x33, a
/// prime width) and decodes them at their own sizes, the same bytes at 1 and 2 threads; a damaged
/// file and another model's file are refused in one line.
@Suite("Spatial models code images of any size")
struct SpatialCodingCLITests {
    /// A colour PNG of `width` x `height` with smooth gradients.
    static func png(_ url: URL, width: Int, height: Int, seed: Int) throws {
        var p: [UInt8] = []
        for y in 0..<height { for x in 0..<width { for c in 0..<3 { p.append(UInt8((x * 13 + y * 7 * (c + 1) + seed * 29 + c * 70) % 256)) } } }
        try PNG.writeRGB(width: width, height: height, pixels: p, to: url)
    }

    func train(_ data: URL, _ out: URL, seed: Int) throws {
        let t = try runRDA(["train", "--data", data.path, "--arch", "spatial", "--downsamplings", "2", "--widths", "6",
                            "--latent-channels", "4", "--channel", "quantized", "--epochs", "1", "--batch-size", "16",
                            "--seed", "\(seed)", "--out", out.path])
        #expect(t.status == 0, "\(t.stderr)")
    }

    @Test func anySizeRoundTripSameBytesOnAnyThreadCountAndRefusals() throws {
        let dir = temporaryFolder("rda-spatial")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try ColourCLITests.imageFolder(dir)
        let run = dir.appendingPathComponent("run"), other = dir.appendingPathComponent("other")
        try train(data, run, seed: 3)
        let sizes = [(1, 1), (33, 17), (31, 5), (8, 8)]
        var inputs: [String] = []
        for (i, (w, h)) in sizes.enumerated() {
            let url = dir.appendingPathComponent("in-\(i).png")
            try Self.png(url, width: w, height: h, seed: i)
            inputs.append(url.path)
        }
        let file = dir.appendingPathComponent("f.rdac")
        let c = try runRDA(["compress", "--model", run.path, "--image"] + inputs + ["--out", file.path, "--json"])
        #expect(c.status == 0, "\(c.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any]
        #expect(summary?["images"] as? Int == 4 && (summary?["bpp"] as? Double ?? 0) > 0 && summary?["psnr_rgb"] != nil)
        var outputs: [[Data]] = []
        for threads in [1, 2] {
            let out = dir.appendingPathComponent("out-\(threads)")
            let d = try runRDA(["decompress", file.path, "--model", run.path, "--out", out.path + "/"], env: ["RDA_THREADS": "\(threads)"])
            #expect(d.status == 0, "\(d.stderr)")
            var files: [Data] = []
            for (i, (w, h)) in sizes.enumerated() {
                let url = out.appendingPathComponent("image-\(i + 1).png")
                let png = try PNG.read(from: url)
                #expect(png.width == w && png.height == h && png.channels == 3, "image \(i + 1): \(png.width)x\(png.height)")
                files.append(try Data(contentsOf: url))
            }
            outputs.append(files)
        }
        #expect(outputs[0] == outputs[1], "1 and 2 threads decode other bytes")
        // one image to one PNG file
        let single = dir.appendingPathComponent("one.rdac"), onePNG = dir.appendingPathComponent("one.png")
        #expect(try runRDA(["compress", "--model", run.path, "--image", inputs[1], "--out", single.path]).status == 0)
        #expect(try runRDA(["decompress", single.path, "--model", run.path, "--out", onePNG.path]).status == 0)
        #expect(try PNG.read(from: onePNG).width == 33)
        #expect(try Data(contentsOf: onePNG) == outputs[0][1])
        // a damaged file and another model's file: one line each
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count / 2] ^= 0x20
        let damaged = dir.appendingPathComponent("damaged.rdac")
        try Data(bytes).write(to: damaged)
        let bad = try runRDA(["decompress", damaged.path, "--model", run.path, "--out", dir.path + "/bad/"])
        #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        try train(data, other, seed: 4)
        let wrong = try runRDA(["decompress", file.path, "--model", other.path, "--out", dir.path + "/wrong/"])
        #expect(wrong.status != 0 && wrong.stderr.split(separator: "\n").count == 1 && wrong.stderr.contains("model"), "\(wrong.stderr)")
        // eval --per-image: the same figures per image, in codec users' names
        let e = try runRDA(["eval", "--model", run.path, "--per-image", "--image"] + inputs + ["--json"])
        #expect(e.status == 0, "\(e.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any]
        let perImage = report?["per_image"] as? [[String: Any]] ?? []
        #expect(perImage.count == 4)
        for p in perImage { for key in ["bpp", "psnr_rgb", "encoding_time", "decoding_time"] { #expect(p[key] != nil, "\(key)") } }
        // the test split's examples as images (no --image)
        let split = try runRDA(["eval", "--model", run.path, "--per-image", "--json"])
        #expect(split.status == 0, "\(split.stderr)")
        let splitReport = try JSONSerialization.jsonObject(with: Data(split.stdout.utf8)) as? [String: Any]
        #expect((splitReport?["per_image"] as? [[String: Any]])?.count == 32)
        // options that do not fit are refused in one line, before training
        let misfit = try runRDA(["train", "--data", data.path, "--arch", "spatial", "--downsamplings", "4", "--out", dir.path + "/misfit"])
        #expect(misfit.status != 0 && misfit.stderr.contains("multiples of 16") && misfit.stderr.contains("--downsamplings"), "\(misfit.stderr)")
        let conv = try runRDA(["train", "--data", data.path, "--arch", "conv", "--downsamplings", "2", "--out", dir.path + "/conv"])
        #expect(conv.status != 0 && conv.stderr.contains("--arch spatial"), "\(conv.stderr)")
        let widths = try runRDA(["train", "--data", data.path, "--arch", "spatial", "--downsamplings", "3", "--widths", "4,5,6", "--out", dir.path + "/w"])
        #expect(widths.status != 0 && widths.stderr.contains("2 hidden widths"), "\(widths.stderr)")
        // an image whose coding needs more than the process may use is refused in one line, not killed
        let huge = dir.appendingPathComponent("huge.png")
        try PNG.writeRGB(width: 4096, height: 4096, pixels: [UInt8](repeating: 90, count: 4096 * 4096 * 3), to: huge)
        let limited = try runProcess(URL(fileURLWithPath: "/bin/sh"),
                                     ["-c", "ulimit -v 1500000 && exec \"$0\" \"$@\"", productsDirectory.appendingPathComponent("rda").path,
                                      "compress", "--model", run.path, "--image", huge.path, "--out", dir.appendingPathComponent("huge.rdac").path])
        #expect(limited.status == 1 && limited.stderr.contains("coding a 4096x4096 image") && limited.stderr.contains("memory limit")
                && limited.stderr.split(separator: "\n").count == 1, "\(limited.status): \(limited.stderr)")
        // samples at another size
        let s = dir.appendingPathComponent("s.png")
        let sample = try runRDA(["sample", "--model", run.path, "--size", "12x20", "--count", "2", "--out", s.path, "--scale", "1"])
        #expect(sample.status == 0, "\(sample.stderr)")
        #expect(FileManager.default.fileExists(atPath: s.path))
        let badSize = try runRDA(["sample", "--model", run.path, "--size", "10x20", "--out", s.path])
        #expect(badSize.status != 0 && badSize.stderr.contains("--size"), "\(badSize.stderr)")
    }
}
