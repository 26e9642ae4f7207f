import Testing
import Foundation
import RDAModel
import RDAIO

/// Every field of `TrainRequest` (the one declaration of the training options) is a flag of
/// `rda train` and lands in run.json: an option declared but not wired into the command line
/// fails here.
@Suite("Training options: declared once, all reachable")
struct TrainOptionsTests {
    /// `latentDim` -> `--latent-dim`, as ArgumentParser names a property's flag.
    static func flag(_ key: TrainRequest.CodingKeys) -> String {
        "--" + key.rawValue.reduce(into: "") { s, c in s += c.isUppercase ? "-" + c.lowercased() : String(c) }
    }

    @Test func everyOptionIsAFlagWithItsHelp() throws {
        let h = try runRDA(["train", "--help"])
        #expect(h.status == 0)
        for key in TrainRequest.CodingKeys.allCases where key != .injectNaNAtStep {
            #expect(h.stdout.contains(Self.flag(key) + " "), "rda train --help lacks \(Self.flag(key))")
        }
        // the data-dependent defaults are quoted from TrainDefaults
        let text = h.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("\(TrainDefaults.images.epochs) for images, \(TrainDefaults.synthetic.epochs) for gaussian:"))
        // the channel's own options are flags too
        for flag in ["--channel ", "--prior ", "--prior-components ", "--rate "] { #expect(h.stdout.contains(flag)) }
    }

    /// Two tiny runs that between them set every option to a value other than its default:
    /// each one comes back in run.json's request.
    @Test func everyFlagReachesTheRequest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-options-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let gaussian = ["--data", "gaussian:2,1", "--data-dir", "/nonexistent-rda-data", "--arch", "mlp", "--latent-dim", "2",
                        "--widths", "4", "--distortion", "l1", "--lambda", "2", "--prior", "learned", "--epochs", "1",
                        "--batch-size", "8", "--learning-rate", "0.002", "--schedule", "constant", "--rate", "monte-carlo",
                        "--seed", "3", "--examples", "16", "--test-examples", "16", "--data-seed", "5", "--clip-norm", "10",
                        "--inject-nan-at-step", "1000"]
        let quantized = ["--data", "gaussian:2,1", "--channel", "quantized", "--prior-components", "2", "--epochs", "1",
                         "--examples", "16", "--test-examples", "16", "--batch-size", "8"]
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        for i in 0..<3 {
            try PNG.writeRGB(width: 3, height: 5, pixels: (0..<45).map { UInt8(($0 * 7 + i * 50) % 256) }, to: photos.appendingPathComponent("p\(i).png"))
        }
        let images = ["--data", "images:" + photos.path, "--crop", "4", "--channels", "1", "--test-fraction", "0.5", "--skip-bad", "--pad",
                      "--cache-mb", "1", "--steps", "2", "--arch", "mlp", "--widths", "4", "--latent-dim", "2", "--batch-size", "2"]
        let colour = try ColourCLITests.imageFolder(dir)
        let spatial = ["--data", colour.path, "--arch", "spatial", "--downsamplings", "2", "--widths", "4", "--latent-dim", "2",
                       "--epochs", "1", "--batch-size", "16"]
        let resnet = ["--data", colour.path, "--arch", "resnet", "--widths", "2,4", "--res-blocks", "2", "--hidden", "6", "--latent-dim", "2",
                      "--epochs", "1", "--batch-size", "16"]
        let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainRequest.defaults)) as! [String: Any]
        var changed = Set<String>()
        for (name, args) in [("gaussian", gaussian), ("quantized", quantized), ("images", images), ("spatial", spatial), ("resnet", resnet)] {
            let out = dir.appendingPathComponent(name)
            let r = try runRDA(["train"] + args + ["--out", out.path, "--checkpoint-seconds", "0"])
            #expect(r.status == 0, "\(r.stderr)")
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
            let request = try #require(record["request"] as? [String: Any])
            for (key, value) in request where (defaults[key] as? NSObject) != (value as? NSObject) { changed.insert(key) }
        }
        for key in TrainRequest.CodingKeys.allCases {
            #expect(changed.contains(key.rawValue), "\(Self.flag(key)) did not reach the request (run.json)")
        }
    }
}
