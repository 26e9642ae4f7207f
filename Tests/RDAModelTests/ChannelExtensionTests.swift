import Testing
import Foundation
import RDACore
import RDAModel

/// The channel extension point: a channel defined only in the tests (`IdentityChannelSettings`,
/// one file) joins with one registration line and then trains, evaluates, saves, loads,
/// describes itself and is reported through the library entry points `rda train` and `rda eval`
/// call, with no other change anywhere.
@Suite("Channels: a new channel is one file and one line")
struct ChannelExtensionTests {
    @Test func aTestOnlyChannelRunsEndToEnd() throws {
        Channels.register(IdentityChannelSettings.self)   // the one line
        #expect(Channels.names.contains("identity"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rda-identity-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var request = TrainRequest()
        request.data = "gaussian:4,1"; request.examples = 256; request.testExamples = 128; request.epochs = 2
        request.channel = try ChannelConfig.named("identity")
        let report = try TrainingRun.run(request, in: dir)

        // evaluated: zero rate, the channel's own section in eval.json, distortion small (no noise)
        #expect(report.rateNats == 0 && report.channel.kind == "identity")
        #expect(report.figures is IdentityFigures && report.figures.mutualInformationNats == nil)
        let eval = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("eval.json"))) as! [String: Any]
        let section = try #require(eval["channel"] as? [String: Any])
        #expect(section["kind"] as? String == "identity" && section["examples"] as? Int == 128)
        let reread = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: dir.appendingPathComponent("eval.json")))
        #expect((reread.figures as? IdentityFigures)?.examples == 128)

        // saved and loaded: the model file names its channel, and a reload scores the same
        let model = try Checkpoint.load(dir.path)
        #expect(model.config.channel.name == "identity" && model.bottleneck is IdentityBottleneck)
        #expect(ArchitectureDescription(model).channel.kind == "identity" && ArchitectureDescription(model).prior.kind == "none")
        let source = try DataSource.parse(request.data)
        let test = try source.load(split: .test, dataDir: nil, examples: nil, testExamples: 128, dataSeed: 0)
        let again = try Evaluator.evaluate(model: model, data: test, split: .test, dataName: source.description, seed: 0)
        #expect(again.distortion == report.distortion && again.objective == report.objective)

        // reported: the page carries the channel's own words
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("rate (none: identity channel)") && html.contains("z = h"))

        // capabilities it lacks are refused in one line naming the channel
        #expect(throws: RDAError.self) { try Codec.codingChannel(model) }
        #expect(throws: Standardization.Failure.self) { try Standardization.standardized(model) }
        // options it does not take are refused by name
        #expect(throws: ChannelOptionError.self) { try ChannelConfig.named("identity", options: ChannelOptions(prior: .learned)) }
    }
}
