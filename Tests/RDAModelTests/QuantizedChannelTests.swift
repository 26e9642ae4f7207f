import Testing
import Foundation
import RDACore
import RDACoding
import RDAIO
import RDAModel
import RDATestSupport

/// The quantized channel: its rate against closed forms and finite differences, its integer
/// tables against the float prior, and the codec's exact round trip.
@Suite("Quantized channel, coding tables and codec")
struct QuantizedChannelTests {
    /// Random mixture parameters [K, M] and latents [N, K].
    func mixture(k: Int, m: Int, n: Int, seed: UInt64) -> (x: Tensor, logits: Tensor, loc: Tensor, logScale: Tensor) {
        var rng = SeededGenerator(seed: seed)
        let x = Tensor.randomNormal([n, k], using: &rng).scaled(by: 3)
        let logits = Tensor.randomNormal([k, m], using: &rng)
        let loc = Tensor.randomNormal([k, m], using: &rng).scaled(by: 2)
        let logScale = Tensor.randomUniform([k, m], low: -1.5, high: 1, using: &rng)
        return (x, logits, loc, logScale)
    }

    /// -ln sum_m w_m (sigma(b) - sigma(a)) written out naively in double precision.
    func naiveRate(_ x: Double, _ logits: [Float], _ loc: [Float], _ logScale: [Float]) -> Double {
        let z = logits.reduce(0.0) { $0 + Foundation.exp(Double($1)) }
        var p = 0.0
        for j in logits.indices {
            let s = Foundation.exp(Double(logScale[j]))
            let sig = { (t: Double) in 1 / (1 + Foundation.exp(-t)) }
            p += Foundation.exp(Double(logits[j])) / z * (sig((x + 0.5 - Double(loc[j])) / s) - sig((x - 0.5 - Double(loc[j])) / s))
        }
        return -Foundation.log(p)
    }

    @Test func rateIsMinusLogOfTheMassAroundEachLatent() {
        let (x, logits, loc, logScale) = mixture(k: 4, m: 3, n: 6, seed: 1)
        let r = LogisticMixturePrior.rate(x, logits: logits, loc: loc, logScale: logScale)
        for n in 0..<6 {
            var expected = 0.0
            for k in 0..<4 {
                let row = (k * 3)..<(k * 3 + 3)
                expected += naiveRate(Double(x.data[n * 4 + k]), Array(logits.values[row]), Array(loc.values[row]), Array(logScale.values[row]))
            }
            #expect(Swift.abs(Double(r.data[n]) - expected) <= 1e-4 * Swift.max(1, expected), "example \(n): \(r.data[n]) vs \(expected)")
        }
    }

    @Test func rateStaysFiniteFarInTheTails() {
        // sigma(b) - sigma(a) underflows to 0 in float arithmetic 40 scales out; the factored form does not
        let x = Tensor(shape: [1, 1], values: [60])
        let r = LogisticMixturePrior.rate(x, logits: Tensor(zeros: [1, 1]), loc: Tensor(zeros: [1, 1]), logScale: Tensor(zeros: [1, 1]))
        // far out the mass is about e^-(x - 1/2) (1 - e^-1): rate = 59.5 - ln(1 - e^-1)
        #expect(Swift.abs(Double(r.data[0]) - (59.5 - Foundation.log(1 - Foundation.exp(-1.0)))) < 1e-3)
    }

    @Test func massesOverTheIntegersSumToOne() {
        let (_, logits, loc, logScale) = mixture(k: 1, m: 3, n: 1, seed: 2)
        let total = (-200...200).reduce(0.0) { $0 + LogisticMixturePrior.mass(Double($1), logits: logits.values, loc: loc.values, logScale: logScale.values) }
        #expect(Swift.abs(total - 1) < 1e-9)
    }

    @Test(arguments: [1, 3])
    func rateGradientsMatchFiniteDifferences(_ m: Int) {
        let (x, logits, loc, logScale) = mixture(k: 3, m: m, n: 4, seed: 3)
        // a weighted sum so that every example's gradient matters differently; the check's
        // tolerance: |numeric - analytic| <= 2e-2 + 2e-2 * max(|numeric|, |analytic|)
        let weights = Tensor(shape: [4], values: [1, -0.5, 2, 0.25])
        checkGradients([x, logits, loc, logScale], eps: 1e-2, rtol: 2e-2, atol: 2e-2) { t in
            LogisticMixturePrior.rate(t[0], logits: t[1], loc: t[2], logScale: t[3]) * weights
        }
    }

    @Test func integerTablesMatchTheFloatPriorAndSurviveTheFile() throws {
        let model = quantizedModel()
        let q = model.bottleneck as! QuantizedBottleneck
        q.finalize()
        let tables = q.codingTables
        // the integer tables' code length is within 0.5% of the float prior's -log2 P, in expectation
        var rng = SeededGenerator(seed: 9)
        let samples = q.samplePrior(count: 2000, using: &rng)
        var integer = 0.0, float = 0.0
        let k = q.latentDim
        for i in 0..<2000 {
            let row = (0..<k).map { Int32(samples.data[i * k + $0]) }
            integer += tables.codeLength(row)
            for j in 0..<k {
                let params = (j * q.components)..<((j + 1) * q.components)
                float -= Foundation.log2(LogisticMixturePrior.mass(Double(row[j]), logits: Array(q.logits.values[params]),
                                                                    loc: Array(q.loc.values[params]), logScale: Array(q.logScale.values[params])))
            }
        }
        #expect(Swift.abs(integer / float - 1) < 0.005, "integer \(integer) vs float \(float)")
        // stored and read back: the same tables, the same fingerprint
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-q-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Checkpoint.save(model, to: dir.appendingPathComponent(Checkpoint.fileName))
        let back = try Checkpoint.load(dir.path)
        #expect((back.bottleneck as! QuantizedBottleneck).codingTables == tables)
        #expect(back.fingerprint == model.fingerprint)
    }

    @Test func damagedTablesAreRefusedOnLoad() throws {
        let model = quantizedModel()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-q-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(Checkpoint.fileName)
        try Checkpoint.save(model, to: url)
        var file = try SafetensorsFile.read(from: url)
        var freqs = file.tensors["prior.table_frequencies"]!
        freqs.integers[0] += 1   // no longer sums to 2^16
        file.tensors["prior.table_frequencies"] = freqs
        try file.write(to: url)
        #expect(throws: RDAError.self) { try Checkpoint.load(url.path) }
        file.tensors["prior.table_frequencies"] = nil
        try file.write(to: url)
        #expect(throws: RDAError.self) { try Checkpoint.load(url.path) }
    }

    @Test(arguments: [Architecture.linear, .mlp, .conv])
    func codecRoundTripIsExact(_ arch: Architecture) throws {
        let model = quantizedModel(arch)
        var rng = SeededGenerator(seed: 4)
        let y = Tensor.randomUniform([37, 64], low: 0, high: 1, using: &rng)
        let file = try Codec.compress(model, examples: y)
        let reread = try CompressedFile(bytes: file.bytes)
        let symbols = try Codec.decodeSymbols(model, file: reread)
        #expect(symbols == (try Codec.symbols(model, examples: y)))
        #expect(symbols.flatMap { $0 }.contains { $0 != 0 }, "the test needs non-trivial symbols")
        // decoded examples are exactly the evaluation channel's reconstructions
        let decoded = try Codec.decompress(model, file: reread)
        let f = withoutGradients { model.forward(y, noise: nil, mode: .evaluation) }
        #expect(decoded.values == f.yHat.values)
        // another model's file is refused
        let other = quantizedModel(arch, seed: 6)
        #expect(throws: RDAError.self) { try Codec.decodeSymbols(other, file: reread) }
        // a version-1 file (byte records, tables in their stored order) decodes to the same symbols
        let tables = try Codec.codingChannel(model).codingTables
        var v1 = CompressedFile.magic + [1] + model.fingerprint + [UInt8(model.config.exampleShape.count)]
        for d in model.config.exampleShape { LEB128.append(UInt64(d), to: &v1) }
        LEB128.append(UInt64(symbols.count), to: &v1)
        for row in symbols {
            let payload = RangeEncoder.encode(symbols: row, tables: tables.tables)
            LEB128.append(UInt64(payload.count), to: &v1)
            v1 += payload
        }
        let crc = CRC32.checksum(v1)
        v1 += (0..<4).map { UInt8(truncatingIfNeeded: crc >> UInt32(8 * $0)) }
        #expect(try Codec.decodeSymbols(model, file: try CompressedFile(bytes: v1)) == symbols)
        // several examples to a record: the same symbols, one termination per record
        let grouped = try Codec.compress(model, examples: y, examplesPerRecord: 5)
        #expect(grouped.recordCount == 8 && grouped.count == 37)
        #expect(try Codec.decodeSymbols(model, file: try CompressedFile(bytes: grouped.bytes)) == symbols)
        let ideal = symbols.reduce(0.0) { $0 + tables.codeLength($1) }
        #expect(Double(grouped.payloadBits) < ideal + Double(grouped.recordCount) + 1e-3)   // <= ceil(b) per record
        #expect(grouped.fileBytes < file.fileBytes)   // 8 record lengths instead of 37
    }

    @Test func evaluationReportsCodedBitsNearTheEstimate() throws {
        let model = quantizedModel()
        var rng = SeededGenerator(seed: 8)
        let data = Dataset(examples: Tensor.randomUniform([300, 64], low: 0, high: 1, using: &rng), exampleShape: [1, 8, 8], isImage: true)
        let r = try Evaluator.evaluate(model: model, data: data, split: .test, dataName: "test", seed: 0)
        let q = try #require(r.figures as? QuantizedFigures)
        let coded = try #require(q.codedBitsPerImage), estimated = try #require(q.estimatedBitsPerImage)
        let container = try #require(q.containerBitsPerImage)
        #expect(r.channel.kind == "quantized" && r.figures.mutualInformationNats == nil)
        // the integer estimate is within 0.5% of the float -log2 P (rate_bits), and coding costs at least it
        #expect(Swift.abs(estimated / r.rateBits - 1) < 0.005, "estimate \(estimated) vs float \(r.rateBits)")
        // each record takes at most ceil(-log2 P) bits (the coder's bit-minimal termination)
        #expect(coded >= 0 && coded < estimated + 1, "coded \(coded) vs estimate \(estimated)")
        #expect(container > coded)
    }

    @Test func standardizeRefusesAQuantizedModel() {
        #expect(throws: Standardization.Failure.self) { try Standardization.standardized(quantizedModel()) }
    }

    @Test func trainingLowersTheObjectiveAndTheRateEstimatesTheCodedRate() throws {
        let src = DataSource.gaussian([4, 1])
        let train = try src.load(split: .train, dataDir: nil, examples: 4000)
        let test = try src.load(split: .test, dataDir: nil, testExamples: 2000)
        var rng = SeededGenerator(seed: 3)
        let cfg = ModelConfig(arch: .linear, exampleShape: [2], latentDim: 2, widths: [], distortion: .l2,
                              lambda: 8, sigmoidOutput: false, data: src.description, channel: .quantized(components: 3))
        let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
        var opts = TrainingOptions()
        opts.schedule = .cosine   // annealed (TrainingOptions() has the image default, constant)
        opts.epochs = 15; opts.learningRate = 1e-2; opts.testExamplesPerEpoch = 0; opts.batchSize = 64
        let history = try Trainer(model: model, options: opts).train(on: train, test: nil)
        #expect(history.last!.trainObjective < 0.7 * history.first!.trainObjective)
        let r = try Evaluator.evaluate(model: model, data: test, split: .test, dataName: src.description, seed: 0)
        // the float rate of round(y) (what the coder is charged) is close to the noisy training rate
        #expect(Swift.abs(r.rateNats - history.last!.trainRate) < 0.15 * history.last!.trainRate, "\(r.rateNats) vs \(history.last!.trainRate)")
        #expect(r.rateNats > 0.5)
    }
}

