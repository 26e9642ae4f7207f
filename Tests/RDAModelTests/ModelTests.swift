import Testing
import Foundation
import RDACore
import RDAModel

@Suite("The model: standardization, checkpoints, data sources, training")
struct ModelTests {
    func makeModel(_ arch: Architecture, prior: Prior.Kind, shape: [Int] = [1, 8, 8], k: Int = 3, seed: UInt64 = 1) -> RateDistortionAutoencoder {
        var rng = SeededGenerator(seed: seed)
        let widths = arch == .conv ? [4, 6] : (arch == .mlp ? [16, 8] : [])
        let cfg = ModelConfig(arch: arch, exampleShape: shape, latentDim: k, widths: widths,
                              distortion: .l2, lambda: 2, sigmoidOutput: arch != .linear, data: "test", channel: .gaussian(prior: prior))
        let m = RateDistortionAutoencoder(config: cfg, rng: &rng)
        if prior == .learned {
            for i in 0..<k { m.gaussian!.prior.mu.data[i] = 0.3 * Float(i) - 0.2; m.gaussian!.prior.logSigma.data[i] = 0.4 - 0.3 * Float(i) }
        }
        return m
    }

    @Test(arguments: [Architecture.linear, .mlp, .conv])
    func standardizationKeepsRateDistortionAndSamples(_ arch: Architecture) throws {
        let model = makeModel(arch, prior: .learned)
        let std = try Standardization.standardized(model)
        #expect(std.config.channel == .gaussian(prior: .standard))
        #expect(std.gaussian!.prior.mu.values.allSatisfy { $0 == 0 } && std.gaussian!.prior.logSigma.values.allSatisfy { $0 == 0 })
        var rng = SeededGenerator(seed: 2)
        let y = Tensor.randomUniform([5, 64], low: 0, high: 1, using: &rng)
        let eps = Tensor.randomNormal([5, 3], using: &rng)
        let a = model.forward(y, noise: eps), b = std.forward(y, noise: eps)
        for (x, z) in zip(a.rate.values, b.rate.values) { #expect(Swift.abs(x - z) <= 1e-4 * Swift.max(1, Swift.abs(x))) }
        for (x, z) in zip(a.distortion.values, b.distortion.values) { #expect(Swift.abs(x - z) <= 1e-4 * Swift.max(1, Swift.abs(x))) }
        // samples: decoding z = mu_z + sigma_z z' with the learned model equals decoding z' with the standardized one
        let zPrime = Tensor.randomNormal([4, 3], using: &rng)
        let mapped = model.gaussian!.prior.mu + model.gaussian!.prior.logSigma.exp() * zPrime
        let s1 = model.decode(mapped).values, s2 = std.decode(zPrime).values
        for (x, z) in zip(s1, s2) { #expect(Swift.abs(x - z) <= 1e-4 * Swift.max(1, Swift.abs(x))) }
    }

    @Test func checkpointRoundTrip() throws {
        let model = makeModel(.conv, prior: .learned)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Checkpoint.save(model, to: dir.appendingPathComponent(Checkpoint.fileName))
        let back = try Checkpoint.load(dir.path)
        #expect(back.config == model.config)
        for ((n1, t1), (n2, t2)) in zip(model.namedParameters, back.namedParameters) {
            #expect(n1 == n2 && t1.values == t2.values)
        }
    }

    @Test func gaussianSpecsParseOrExplain() throws {
        #expect(try DataSource.parse("gaussian:4,2,0.5") == .gaussian([4, 2, 0.5]))
        #expect(try DataSource.parse("mnist") == .idx("mnist"))
        for bad in ["gaussian:", "gaussian:0", "gaussian:-1,2", "gaussian:abc", "gaussian:1,,2", "gaussian:inf"] {
            #expect(throws: RDAError.self, "\(bad)") { try DataSource.parse(bad) }
        }
        let e = try? { try DataSource.parse("gaussian:1,-2") }()
        #expect(e == nil)
    }

    @Test func gaussianSourceHasItsVariancesAndSeparateSplits() throws {
        let src = DataSource.gaussian([4, 0.25])
        let train = try src.load(split: .train, dataDir: nil, examples: 20_000)
        let test = try src.load(split: .test, dataDir: nil, testExamples: 20_000)
        let tv = train.examples.values
        let v0 = stride(from: 0, to: tv.count, by: 2).reduce(0.0) { $0 + Double(tv[$1] * tv[$1]) } / 20_000
        let v1 = stride(from: 1, to: tv.count, by: 2).reduce(0.0) { $0 + Double(tv[$1] * tv[$1]) } / 20_000
        #expect(Swift.abs(v0 - 4) < 0.15 && Swift.abs(v1 - 0.25) < 0.01)
        #expect(Array(train.examples.values.prefix(4)) != Array(test.examples.values.prefix(4)))
        let again = try src.load(split: .train, dataDir: nil, examples: 20_000)
        #expect(again.examples.values == tv)
    }

    @Test func linearModelApproachesTheGaussianBound() throws {
        let src = DataSource.gaussian([4, 2, 1, 0.5, 0.25])
        let train = try src.load(split: .train, dataDir: nil, examples: 20_000)
        let test = try src.load(split: .test, dataDir: nil, testExamples: 20_000)
        var rng = SeededGenerator(seed: 3)
        let cfg = ModelConfig(arch: .linear, exampleShape: [5], latentDim: 5, widths: [], 
                              distortion: .l2, lambda: 1, sigmoidOutput: false, data: src.description)
        let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
        var opts = TrainingOptions()
        opts.schedule = .cosine   // annealed (TrainingOptions() has the image default, constant)
        opts.epochs = 12; opts.learningRate = 3e-3; opts.testExamplesPerEpoch = 0
        let history = try Trainer(model: model, options: opts).train(on: train, test: nil)
        #expect(history.count == 12)
        let report = try Evaluator.evaluate(model: model, data: test, split: .test, dataName: src.description, seed: 4,
                                            miExamples: 2000, bound: src.exactBound(distortion: .l2))
        let bound = report.bound!.objective
        #expect(report.objective >= bound - 5 * report.objectiveStderr)
        #expect(report.objective < bound * 1.03, "objective \(report.objective) vs bound \(bound)")
        let g = try #require(report.figures as? GaussianFigures)
        let mc = try #require(g.rateMCNats), se = try #require(g.rateMCStderr)
        #expect(Swift.abs(mc - report.rateNats) < 4 * se + 1e-3)
    }
}

@Suite("Files written by older versions keep loading")
struct OlderFilesTests {
    @Test func runJSONWithoutTheChannelFieldsDecodes() throws {
        // the request part of a run.json written before the quantized channel (and laplace defaults) existed
        let old = """
        {"batchSize":128,"data":"gaussian:4,2,1","dataSeed":0,"distortion":"l2","prior":"learned","rate":"closed-form",
         "seed":3,"testExamples":100000,"lambda":2}
        """
        let r = try JSONDecoder().decode(TrainRequest.self, from: Data(old.utf8))
        #expect(r.channel == .gaussian(prior: .learned) && r.seed == 3 && r.lambda == 2)
        // and a field missing altogether takes the default
        let minimal = try JSONDecoder().decode(TrainRequest.self, from: Data("{}".utf8))
        #expect(minimal == TrainRequest())
    }

    @Test func modelConfigWithoutAChannelIsGaussian() throws {
        let old = """
        {"arch":"linear","data":"gaussian:4,2","distortion":"l2","exampleShape":[2],"lambda":1,"latentDim":2,"prior":"standard","sigmoidOutput":false,"widths":[]}
        """
        let c = try JSONDecoder().decode(ModelConfig.self, from: Data(old.utf8))
        #expect(c.channel == .gaussian())
        // written back, a Gaussian configuration has the same keys as before (model files stay byte-identical)
        let again = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as! [String: Any]
        #expect(Set(again.keys) == ["arch", "data", "distortion", "exampleShape", "lambda", "latentDim", "prior", "sigmoidOutput", "widths"])
    }
}
