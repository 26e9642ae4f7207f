import Testing
import Foundation
import RDACore
import RDAModel
import RDATestSupport

/// `rda bench code` runs each coder, prints one JSON window line per timed window and one summary
/// per method with finite, positive figures and a checked round trip; bad arguments and a model
/// whose channel cannot do the named method are refused in one line. (No timing asserts.)
@Suite("rda bench code")
struct BenchCodeCLITests {
    /// The JSON objects of `text`'s lines.
    static func objects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(o, "not a JSON object: \(line)")
        }
    }

    /// Checks the windows and summaries of a run of `methods`, `windows` windows each, images of `pixels` pixels.
    static func check(_ stdout: String, methods: [String], windows: Int, images: Int, pixels: Int, arch: String) throws {
        let lines = try objects(stdout)
        #expect(lines.count == methods.count * (windows + 1))
        for method in methods {
            let own = lines.filter { $0["method"] as? String == method }
            let ws = own.filter { $0["kind"] as? String == "window" }, summaries = own.filter { $0["kind"] as? String == "summary" }
            #expect(ws.count == windows && summaries.count == 1, "\(method): \(own)")
            for w in ws {
                for key in ["encode_seconds", "decode_seconds", "encode_images_per_sec", "decode_images_per_sec", "bits_per_image"] {
                    let v = try #require(w[key] as? Double, "\(method) window: \(key) missing")
                    #expect(v.isFinite && v > 0, "\(method) window: \(key) = \(v)")
                }
                #expect(w["images"] as? Int == images && w["arch"] as? String == arch)
            }
            let s = try #require(summaries.first)
            for key in ["encode_images_per_sec", "decode_images_per_sec", "encode_megapixels_per_sec", "decode_megapixels_per_sec",
                        "bits_per_image", "bits_per_pixel", "encode_images_per_sec_min", "decode_images_per_sec_max"] {
                let v = try #require(s[key] as? Double, "\(method) summary: \(key) missing")
                #expect(v.isFinite && v > 0, "\(method) summary: \(key) = \(v)")
            }
            let (e, mp) = (s["encode_images_per_sec"] as? Double ?? 0, s["encode_megapixels_per_sec"] as? Double ?? 0)
            // images/s is printed to 0.1 and megapixels/s to 1e-4: allow both roundings, no more.
            let rounding = 0.05 * Double(pixels) / 1e6 + 0.5e-4 + 1e-9
            #expect(Swift.abs(mp - e * Double(pixels) / 1e6) <= rounding, "megapixels/s is images/s x \(pixels) pixels")
            let (lo, hi) = (s["encode_images_per_sec_min"] as? Double ?? 0, s["encode_images_per_sec_max"] as? Double ?? 0)
            #expect(lo <= e && e <= hi)
            #expect(s["round_trip"] as? Bool == true, "\(method): decoding did not give back what was sent")
            #expect(s["threads"] as? Int == 1 && s["images"] as? Int == images && s["arch"] as? String == arch)
        }
    }

    @Test func allThreeCodersOnMNISTShapedImages() throws {
        let r = try runRDA(["bench", "code", "--arch", "mlp", "--synthetic", "--images", "6", "--windows", "2", "--warmup", "0",
                            "--train-steps", "3", "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        try Self.check(r.stdout, methods: ["quantized", "channel-simulation", "bits-back"], windows: 2, images: 6, pixels: 784, arch: "mlp")
    }

    @Test func spatialCodersOn64x64RGB() throws {
        let r = try runRDA(["bench", "code", "--arch", "spatial", "--images", "1", "--windows", "1", "--warmup", "0",
                            "--train-steps", "1", "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        try Self.check(r.stdout, methods: ["quantized", "channel-simulation", "bits-back"], windows: 1, images: 1, pixels: 4096, arch: "spatial")
    }

    @Test func aGivenModelCodesWithWhatItsChannelCanDoAndRefusesTheRest() throws {
        let dir = temporaryFolder("rda-bench-code")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededGenerator(seed: 1)
        let config = ModelConfig(arch: .mlp, exampleShape: [1, 28, 28], latentDim: 4, widths: [16], distortion: .l2, lambda: 1,
                                 sigmoidOutput: true, data: "mnist", channel: .quantized())
        let path = dir.appendingPathComponent("model.safetensors")
        try Checkpoint.save(RateDistortionAutoencoder(config: config, rng: &rng), to: path)
        let ok = try runRDA(["bench", "code", "--model", dir.path, "--synthetic", "--images", "5", "--windows", "1", "--threads", "1"])
        #expect(ok.status == 0, "\(ok.stderr)")
        try Self.check(ok.stdout, methods: ["quantized"], windows: 1, images: 5, pixels: 784, arch: "mlp")
        #expect(ok.stderr.contains("bits-back skipped") && ok.stderr.contains("channel-simulation skipped"))

        let refused = try runRDA(["bench", "code", "--model", path.path, "--method", "bits-back", "--synthetic", "--images", "2"])
        #expect(refused.status != 0 && refused.stdout.isEmpty)
        #expect(refused.stderr.contains("quantized channel cannot be coded losslessly"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    }

    @Test(arguments: [
        (["--images", "0"], "--images"), (["--windows", "0"], "--windows"), (["--warmup", "-1"], "--warmup"),
        (["--threads", "0"], "--threads"), (["--train-steps", "-2"], "--train-steps"), (["--block-bits", "40"], "--block-bits"),
        (["--method", "quantized", "--method", "quantized"], "twice"), (["--method", "lossless"], "lossless"),
        (["--model", "/nonexistent/rda/model.safetensors"], "/nonexistent/rda"),
    ])
    func badArgumentsAreRefused(args: [String], named: String) throws {
        let r = try runRDA(["bench", "code", "--synthetic"] + args)
        #expect(r.status != 0 && r.stdout.isEmpty, "\(args): \(r.stdout)")
        #expect(r.stderr.contains(named), "\(args): \(r.stderr)")
    }
}
