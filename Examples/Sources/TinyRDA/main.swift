// Train a tiny RDA on a Gaussian source, save it, load it back, encode and decode.
import Foundation
import RDACore
import RDAModel

// A source of independent N(0, 4), N(0, 1), N(0, 0.25) values: training draws and a test set.
let source = try DataSource.parse("gaussian:4,1,0.25")
let train = try source.load(split: .train, dataDir: nil, examples: 20_000)
let test = try source.load(split: .test, dataDir: nil, testExamples: 5_000)

// A linear RDA with the Gaussian noisy channel (standard prior) minimising rate + 2 * squared
// error, trained with Adam for 5 epochs.
let config = ModelConfig(arch: .linear, exampleShape: [3], latentDim: 3, widths: [],
                         distortion: .l2, lambda: 2, sigmoidOutput: false, data: source.description,
                         channel: .gaussian(prior: .standard))
var rng = SeededGenerator(seed: 1)
let model = RateDistortionAutoencoder(config: config, rng: &rng)
var options = TrainingOptions()
options.epochs = 5; options.learningRate = 1e-2; options.schedule = .cosine
_ = try Trainer(model: model, options: options).train(on: train, test: test)

// Save (safetensors), load, and use the loaded model.
let file = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-rda.safetensors")
try Checkpoint.save(model, to: file)
let loaded = try Checkpoint.load(file.path)
let y = test.examples.slice(0..<2)                                       // [2, 3]
let (z, yHat) = withoutGradients {
    let h = loaded.encoder(y)                                            // [2, 6]: mu, then log-variance
    let b = loaded.bottleneck.transmit(h, noise: nil, mode: .noiseless)  // z = mu
    return (b.z, loaded.decode(b.z))                                     // [2, 3], [2, 3]
}
print("y    ", y.values, "\nz    ", z.values, "\ny_hat", yHat.values)

let report = try Evaluator.evaluate(model: loaded, data: test, split: .test, dataName: source.description,
                                    seed: 0, bound: source.exactBound(distortion: loaded.config.distortion))
print(String(format: "rate %.3f nats, distortion %.3f, objective %.3f (Shannon bound %.3f)",
             report.rateNats, report.distortion, report.objective, report.bound?.objective ?? Double.nan))
