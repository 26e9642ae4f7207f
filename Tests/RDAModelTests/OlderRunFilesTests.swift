import Testing
import Foundation
import RDACore
import RDAIO
@testable import RDAModel

/// Files written by an earlier rda (Fixtures/v1: run.json and model files written by the rda of
/// the commit before run.json got its `version`, for `gaussian:4,2,1,0.5,0.25 --examples 2000
/// --epochs 2`, `gaussian:4,2,1 --channel quantized --examples 1000 --test-examples 1000
/// --epochs 1` and `mnist --examples 2000 --epochs 1`) keep loading, and the defaults filled in
/// today are the ones they recorded.
@Suite("run.json and model metadata of older versions")
struct OlderRunFilesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v1")

    func record(_ name: String) throws -> TrainingRun.Record {
        try JSONDecoder().decode(TrainingRun.Record.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("\(name)/run.json")))
    }

    /// The request re-resolved today (data defaults from `TrainDefaults`) gives the recorded
    /// configuration and options: no default moved.
    @Test(arguments: ["gaussian", "gaussian-quantized"])
    func syntheticRunsResolveToTheRecordedDefaults(_ name: String) throws {
        let r = try record(name)
        #expect(r.version == 1, "a run.json without a version field is version 1")
        let source = try DataSource.parse(r.request.data)
        let train = try source.load(split: .train, dataDir: nil, examples: r.request.examples,
                                    testExamples: r.request.testExamples, dataSeed: r.request.dataSeed)
        let (config, options) = try r.request.resolved(for: train, source: source)
        #expect(config == r.config)
        #expect(options == r.options)
    }

    @Test func imageRunResolvesToTheRecordedDefaults() throws {
        let r = try record("mnist")
        #expect(r.version == 1 && r.request.data == "mnist" && r.request.examples == 2000)
        // only the shape of the data matters to the defaults
        let images = Dataset(examples: Tensor(zeros: [2, 784]), exampleShape: [1, 28, 28], isImage: true)
        let (config, options) = try r.request.resolved(for: images, source: try DataSource.parse("mnist"))
        #expect(config == r.config)
        #expect(options == r.options)
    }

    /// The model files load, their metadata agrees with run.json, and the metadata this rda
    /// writes for the same values is the same text (model files stay byte-identical).
    @Test(arguments: ["gaussian", "gaussian-quantized"])
    func modelFilesLoadAndTheirMetadataIsWrittenAgainByteForByte(_ name: String) throws {
        let r = try record(name)
        let url = Self.fixtures.appendingPathComponent("\(name)/model.safetensors")
        let model = try Checkpoint.load(url.path)
        #expect(model.config == r.config)
        let metadata = try SafetensorsFile.read(from: url).metadata
        try checkMetadata(metadata, against: r)
        // and saved again, the whole file is the same bytes
        let again = FileManager.default.temporaryDirectory.appendingPathComponent("rda-older-\(name)-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: again) }
        let extra = metadata.filter { ["rda.training", "rda.data"].contains($0.key) }
        try Checkpoint.save(model, to: again, extra: extra)
        #expect(try Data(contentsOf: again) == Data(contentsOf: url))
    }

    @Test func imageModelMetadataAgreesWithRunJSON() throws {
        let r = try record("mnist")
        let metadata = try JSONDecoder().decode([String: String].self,
                                                from: Data(contentsOf: Self.fixtures.appendingPathComponent("mnist/model-metadata.json")))
        try checkMetadata(metadata, against: r)
        #expect(metadata["rda.format"] == Checkpoint.format)
    }

    func checkMetadata(_ metadata: [String: String], against r: TrainingRun.Record) throws {
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(try #require(metadata["rda.config"]).utf8))
        let options = try JSONDecoder().decode(TrainingOptions.self, from: Data(try #require(metadata["rda.training"]).utf8))
        let data = try JSONDecoder().decode(DataRecord.self, from: Data(try #require(metadata["rda.data"]).utf8))
        #expect(config == r.config && options == r.options && data == DataRecord(r.request))
        #expect(String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self) == metadata["rda.config"])
        #expect(String(decoding: try JSONEncoder.sorted.encode(options), as: UTF8.self) == metadata["rda.training"])
        #expect(String(decoding: try JSONEncoder.sorted.encode(data), as: UTF8.self) == metadata["rda.data"])
    }

    /// A field added later is missing from older files: each part decodes it with its default,
    /// and a field this rda does not know (written by a newer one) is ignored.
    @Test func missingFieldsTakeTheirDefaultsAndUnknownOnesAreIgnored() throws {
        let text = try Data(contentsOf: Self.fixtures.appendingPathComponent("gaussian/run.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: text) as? [String: Any])
        var request = try #require(json["request"] as? [String: Any]), options = try #require(json["options"] as? [String: Any])
        request["channel"] = nil; request["batchSize"] = nil; request["someFutureOption"] = 7
        options["testExamplesPerEpoch"] = nil; options["schedule"] = nil
        json["request"] = request; json["options"] = options
        let r = try JSONDecoder().decode(TrainingRun.Record.self, from: JSONSerialization.data(withJSONObject: json))
        let full = try record("gaussian")
        #expect(r.version == 1)
        #expect(r.request.channel == TrainRequest.defaults.channel && r.request.batchSize == TrainRequest.defaults.batchSize)
        #expect(r.request.data == full.request.data && r.request.examples == full.request.examples && r.request.epochs == full.request.epochs)
        #expect(r.options.testExamplesPerEpoch == TrainingOptions().testExamplesPerEpoch)
        #expect(r.options.schedule == TrainingOptions().schedule)
        #expect(r.options.epochs == full.options.epochs && r.options.learningRate == full.options.learningRate)
    }

    /// This rda writes the current version, and reads it back unchanged; a run of version 1
    /// asks the same as the same run of the current version (resume accepts either).
    @Test func currentVersionRoundTrips() throws {
        let old = try record("gaussian")
        let now = TrainingRun.Record(request: old.request, config: old.config, options: old.options)
        #expect(now.version == TrainingRun.Record.currentVersion && now.version > old.version)
        let text = try JSONEncoder.pretty.encode(now)
        #expect(String(decoding: text, as: UTF8.self).contains("\"version\" : \(TrainingRun.Record.currentVersion)"))
        let back = try JSONDecoder().decode(TrainingRun.Record.self, from: text)
        #expect(back == now)
        #expect(now.asksTheSame(as: old) && now != old)
    }
}

/// Files of the version before each channel owned its settings (run.json version 2, eval.json
/// version 1, written by the previous rda): they read into today's channel values.
@Suite("run.json version 2 and eval.json version 1 read")
struct ChannelFieldsOfOlderFilesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v2")

    @Test func flatChannelSettingsBecomeTheChannelsOwn() throws {
        let learned = try JSONDecoder().decode(TrainingRun.Record.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("gaussian-learned-monte-carlo/run.json")))
        #expect(learned.version == 2)
        #expect(learned.request.channel == .gaussian(prior: .learned, rate: .monteCarlo))
        #expect(learned.config.channel == .gaussian(prior: .learned))   // the model file never recorded the estimator
        #expect(learned.options.rate == .monteCarlo)
        let quantized = try JSONDecoder().decode(TrainingRun.Record.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("quantized/run.json")))
        #expect(quantized.request.channel == .quantized(components: 3) && quantized.config.channel == .quantized(components: 3))
        // written again, the request carries the channel as one object
        let again = try JSONSerialization.jsonObject(with: JSONEncoder().encode(quantized.request)) as! [String: Any]
        #expect((again["channel"] as? [String: Any])?["kind"] as? String == "quantized" && again["priorComponents"] == nil)
    }

    @Test func version1EvaluationsReadTheirChannelsFigures() throws {
        let g = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("gaussian-learned-monte-carlo/eval.json")))
        #expect(g.version == 1 && g.channel.kind == "gaussian")
        let gf = try #require(g.figures as? GaussianFigures)
        #expect(gf.rateMCNats != nil && gf.miEstimateNats != nil && g.figures.mutualInformationNats == gf.miEstimateNats)
        let q = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("quantized/eval.json")))
        let qf = try #require(q.figures as? QuantizedFigures)
        #expect(q.channel.kind == "quantized" && qf.codedBitsPerImage != nil && qf.containerBitsPerImage != nil)
        // and written as version 2, with the figures in the channel's section
        let again = try JSONSerialization.jsonObject(with: JSONEncoder().encode(q)) as! [String: Any]
        #expect(again["version"] as? Int == 2 && again["coded_bits_per_image"] == nil)
        #expect((again["channel"] as? [String: Any])?["coded_bits_per_image"] as? Double == qf.codedBitsPerImage)
    }
}
