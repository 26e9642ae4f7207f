import Testing
import Foundation
import RDAIO
import RDATestSupport

/// A `spatial` Gaussian model from the command line codes colour PNGs of any size by channel
/// simulation and decodes them at their own sizes: the same file at 1 and 2 threads, the same
/// PNG bytes decoding at 1 and 2 threads, one-line refusals for damaged files and options.
@Suite("Spatial Gaussian models code images of any size by channel simulation")
struct SpatialSimulationCLITests {
    @Test func anySizeRoundTripSameBytesOnAnyThreadCountAndRefusals() throws {
        let dir = temporaryFolder("rda-spatial-sim")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try ColourCLITests.imageFolder(dir)
        let run = dir.appendingPathComponent("run")
        let t = try runRDA(["train", "--data", data.path, "--arch", "spatial", "--downsamplings", "2", "--widths", "6",
                            "--latent-channels", "4", "--channel", "gaussian", "--prior", "learned", "--lambda", "2000",
                            "--steps", "60", "--batch-size", "16", "--seed", "3", "--out", run.path])
        #expect(t.status == 0, "\(t.stderr)")
        let sizes = [(1, 1), (33, 17), (12, 20)]
        var inputs: [String] = []
        for (i, (w, h)) in sizes.enumerated() {
            let url = dir.appendingPathComponent("in-\(i).png")
            try SpatialCodingCLITests.png(url, width: w, height: h, seed: i)
            inputs.append(url.path)
        }
        var files: [Data] = []
        for threads in [1, 2] {
            let file = dir.appendingPathComponent("f\(threads).rdac")
            let c = try runRDA(["compress", "--model", run.path, "--image"] + inputs + ["--block-bits", "6", "--out", file.path, "--json"],
                               env: ["RDA_THREADS": "\(threads)"])
            #expect(c.status == 0, "\(c.stderr)")
            files.append(try Data(contentsOf: file))
            let s = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
            let sim = try #require(s["channel_simulation"] as? [String: Any])
            #expect(s["images"] as? Int == 3 && s["psnr_rgb"] is Double && (s["estimated_bpp"] as? Double ?? 0) > 0, "\(s)")
            #expect((s["estimated_bpp"] as? Double ?? 0) > 0.02, "the model sends little: the tests below could not tell latents apart (\(s))")
            #expect(sim["block_bits"] as? Int == 6 && sim["candidate_bits"] as? Int == 10 && sim["channel_psnr_rgb"] is Double, "\(sim)")
        }
        #expect(files[0] == files[1], "1 and 2 threads write other files")
        let file = dir.appendingPathComponent("f1.rdac")
        var decoded: [[Data]] = []
        for threads in [1, 2] {
            let out = dir.appendingPathComponent("out-\(threads)")
            let d = try runRDA(["decompress", file.path, "--model", run.path, "--out", out.path + "/"], env: ["RDA_THREADS": "\(threads)"])
            #expect(d.status == 0, "\(d.stderr)")
            decoded.append(try sizes.indices.map { i in
                let url = out.appendingPathComponent("image-\(i + 1).png")
                let png = try PNG.read(from: url)
                #expect(png.width == sizes[i].0 && png.height == sizes[i].1, "image \(i + 1): \(png.width)x\(png.height)")
                return try Data(contentsOf: url)
            })
        }
        #expect(decoded[0] == decoded[1], "1 and 2 threads decode other bytes")
        // eval --per-image codes each image alone by channel simulation: real bytes, the KL as the estimate
        let e = try runRDA(["eval", "--model", run.path, "--per-image", "--image"] + inputs + ["--json"])
        #expect(e.status == 0, "\(e.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let perImage = report["per_image"] as? [[String: Any]] ?? []
        #expect(perImage.count == 3 && report["channel_simulation"] is [String: Any], "\(report)")
        for p in perImage { for key in ["bpp", "estimated_bpp", "psnr_rgb", "encoding_time", "decoding_time"] { #expect(p[key] != nil, "\(key)") } }
        // each image as compress codes it alone: the same PSNR as a file of that one image
        for i in [1, 2] {
            let alone = dir.appendingPathComponent("alone-\(i).rdac")
            let c = try runRDA(["compress", "--model", run.path, "--image", inputs[i], "--out", alone.path, "--json"])
            #expect(c.status == 0, "\(c.stderr)")
            let s = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
            #expect(s["psnr_rgb"] as? Double == perImage[i]["psnr_rgb"] as? Double, "image \(i + 1): compress \(s["psnr_rgb"] ?? "-") against eval \(perImage[i]["psnr_rgb"] ?? "-")")
        }
        // a damaged file: one line
        var bytes = [UInt8](files[0])
        bytes[bytes.count - 3] ^= 0x41
        let damaged = dir.appendingPathComponent("damaged.rdac")
        try Data(bytes).write(to: damaged)
        let bad = try runRDA(["decompress", damaged.path, "--model", run.path, "--out", dir.path + "/bad/"])
        #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        // options out of range: one line, nothing written
        let refused = try runRDA(["compress", "--model", run.path, "--image", inputs[0], "--block-bits", "21", "--out", dir.path + "/x.rdac"])
        #expect(refused.status != 0 && refused.stderr.contains("--block-bits") && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/x.rdac"))
    }
}
