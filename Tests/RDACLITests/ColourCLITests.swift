import Testing
import Foundation
import RDAIO
import RDATestSupport

/// Colour images through the command line: a tiny generated colour IDX4 data set is trained on,
/// sampled, reconstructed, interpolated, traversed, compressed and decompressed, and every picture
/// is an RGB PNG.
@Suite("Colour images from the command line")
struct ColourCLITests {
    /// A folder of colour (or, with `channels` 1, grey IDX4) images of `side` x `side` (8): smooth colour
    /// gradients with a per-image offset, 64 to train on and 32 to test.
    static func imageFolder(_ dir: URL, channels: Int = 3, fourDimensional: Bool = true, side: Int = 8) throws -> URL {
        let folder = dir.appendingPathComponent((channels == 3 ? "colour" : (fourDimensional ? "grey4d" : "grey3d")) + (side == 8 ? "" : "\(side)"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, n) in [("train", 64), ("t10k", 32)] {
            var pixels: [UInt8] = []
            for i in 0..<n {
                for y in 0..<side {
                    for x in 0..<side {
                        for c in 0..<channels { pixels.append(UInt8((x * 28 + y * 9 * (c + 1) + i * 13 + c * 80) % 256)) }
                    }
                }
            }
            let images = IDXImages(count: n, rows: side, cols: side, channels: channels, pixels: pixels)
            let data = try IDX.encodeImages(images, fourDimensional: fourDimensional)
            try data.write(to: folder.appendingPathComponent("\(name)-images-idx\(fourDimensional ? 4 : 3)-ubyte"))
        }
        return folder
    }

    let tinyImages = ["--epochs", "1", "--batch-size", "16", "--latent-dim", "4", "--seed", "3"]

    func expectRGB(_ url: URL, width: Int? = nil, height: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let png = try PNG.read(from: url)
            #expect(png.channels == 3, "\(url.lastPathComponent) has \(png.channels) channels", sourceLocation: sourceLocation)
            if let width { #expect(png.width == width && png.height == height, sourceLocation: sourceLocation) }
            // colour, not grey written three times: some pixel has channels that differ
            let p = png.pixels
            let coloured = stride(from: 0, to: p.count, by: 3).contains { (i: Int) -> Bool in p[i] != p[i + 1] || p[i + 1] != p[i + 2] }
            #expect(coloured, "\(url.lastPathComponent) has no coloured pixel", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(url.lastPathComponent): \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func colourModelTrainsAndDrawsRGBPictures() throws {
        let dir = temporaryFolder("rda-colour")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.imageFolder(dir)
        let run = dir.appendingPathComponent("conv")
        let t = try runRDA(["train", "--data", data.path, "--arch", "conv", "--widths", "4,8", "--pictures-every", "1", "--scale", "1",
                            "--out", run.path] + tinyImages)
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("[3, 8, 8]") || t.stderr.contains("[3, 8, 8]"), "\(t.stdout)\(t.stderr)")
        for name in ["samples.png", "reconstructions.png", "interpolations.png", "traversals.png", "samples-epoch-1.png"] {
            expectRGB(run.appendingPathComponent(name))
        }
        let page = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("samples.png") && page.contains("reconstructions.png"))

        let s = dir.appendingPathComponent("s.png"), r = dir.appendingPathComponent("r.png")
        #expect(try runRDA(["sample", "--model", run.path, "--count", "4", "--out", s.path]).status == 0)
        expectRGB(s)
        let rec = try runRDA(["reconstruct", "--model", run.path, "--count", "4", "--out", r.path])
        #expect(rec.status == 0, "\(rec.stderr)")
        expectRGB(r)
        for command in ["interpolate", "traverse"] {
            let out = dir.appendingPathComponent("\(command).png")
            let c = try runRDA([command, "--model", run.path, "--out", out.path])
            #expect(c.status == 0, "\(command): \(c.stderr)")
            expectRGB(out)
        }
        // a 5-channel shape never gets here: an IDX4 file of [N, 8, 8, 4] is refused in one line
        let bad = dir.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        for name in ["train", "t10k"] {
            try IDX.encodeImages(IDXImages(count: 2, rows: 8, cols: 8, channels: 4, pixels: [UInt8](repeating: 9, count: 512)))
                .write(to: bad.appendingPathComponent("\(name)-images-idx4-ubyte"))
        }
        expectCleanFailure(try runRDA(["train", "--data", bad.path, "--out", dir.appendingPathComponent("b").path] + tinyImages),
                           mentions: ["4 channels", "[N, H, W, C]"])
    }

    @Test func colourImagesCompressAndDecompress() throws {
        let dir = temporaryFolder("rda-colour")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.imageFolder(dir)
        let run = dir.appendingPathComponent("q")
        let t = try runRDA(["train", "--data", data.path, "--channel", "quantized", "--arch", "mlp", "--widths", "16", "--out", run.path] + tinyImages)
        #expect(t.status == 0, "\(t.stderr)")
        let file = dir.appendingPathComponent("c.rdac")
        let c = try runRDA(["compress", "--model", run.path, "--count", "5", "--out", file.path, "--json"])
        #expect(c.status == 0, "\(c.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
        // bits per pixel counts the 8x8 pixels, not the 192 values
        let perImage = try #require(summary["bits_per_image"] as? Double), perPixel = try #require(summary["bits_per_pixel"] as? Double)
        #expect(Swift.abs(perPixel - perImage / 64) < 1e-9)

        let out = dir.appendingPathComponent("pngs")
        let d = try runRDA(["decompress", file.path, "--model", run.path, "--out", out.path + "/"])
        #expect(d.status == 0, "\(d.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == (1...5).map { "image-\($0).png" })
        for n in names { expectRGB(out.appendingPathComponent(n), width: 8, height: 8) }
        let grid = dir.appendingPathComponent("grid.png")
        #expect(try runRDA(["decompress", file.path, "--model", run.path, "--out", grid.path]).status == 0)
        expectRGB(grid)

        // the decoded RGB PNGs compress again through --image; decoding that file gives PNGs whose
        // pixels are within the model's reconstruction of them (same shape, colour)
        let again = dir.appendingPathComponent("again.rdac")
        let c2 = try runRDA(["compress", "--model", run.path, "--image"] + names.map { out.appendingPathComponent($0).path } + ["--out", again.path, "--json"])
        #expect(c2.status == 0, "\(c2.stderr)")
        let s2 = try #require(try JSONSerialization.jsonObject(with: Data(c2.stdout.utf8)) as? [String: Any])
        #expect(s2["images"] as? Int == 5 && (s2["psnr_db"] as? Double)?.isFinite == true)

        // a grey PNG for a colour model, and a colour PNG for a grey model: one line each
        let grey = dir.appendingPathComponent("grey.png")
        try PNG.writeGray(width: 8, height: 8, pixels: [UInt8](repeating: 100, count: 64), to: grey)
        expectCleanFailure(try runRDA(["compress", "--model", run.path, "--image", grey.path, "--out", again.path]), mentions: ["grey.png", "grey", "RGB"])
        let greyData = try Self.imageFolder(dir, channels: 1, fourDimensional: false)
        let greyRun = dir.appendingPathComponent("gq")
        #expect(try runRDA(["train", "--data", greyData.path, "--channel", "quantized", "--arch", "mlp", "--widths", "16", "--out", greyRun.path] + tinyImages).status == 0)
        expectCleanFailure(try runRDA(["compress", "--model", greyRun.path, "--image", out.appendingPathComponent("image-1.png").path, "--out", again.path]),
                           mentions: ["image-1.png", "RGB", "grey"])
    }

    /// Grey images read from a 4-D file [N, H, W, 1] train exactly as the same bytes from a 3-D
    /// IDX file: the grey path is unchanged by the channel axis.
    @Test func greyFourDimensionalFilesTrainAsThreeDimensionalOnes() throws {
        let dir = temporaryFolder("rda-colour")
        defer { try? FileManager.default.removeItem(at: dir) }
        var pictures: [[Data]] = []
        for fourD in [false, true] {
            let data = try Self.imageFolder(dir, channels: 1, fourDimensional: fourD)
            let run = dir.appendingPathComponent(fourD ? "r4" : "r3")
            let t = try runRDA(["train", "--data", data.path, "--arch", "conv", "--widths", "4,8", "--out", run.path] + tinyImages)
            #expect(t.status == 0, "\(t.stderr)")
            pictures.append(try ["samples.png", "reconstructions.png", "traversals.png"].map { try Data(contentsOf: run.appendingPathComponent($0)) })
            #expect(try PNG.read(from: run.appendingPathComponent("samples.png")).channels == 1)
        }
        #expect(pictures[0] == pictures[1])
    }
}
