import Foundation
import RDACore
import RDAModel

/// A channel that lives only in the tests, to prove the extension point: the noiseless identity
/// z = h with zero rate (a plain autoencoder). This one file and one `Channels.register` line are
/// all it takes for rda to train, evaluate, save, load, describe and report a model with it.
struct IdentityChannelSettings: ChannelSettings, Equatable {
    static let name = "identity"
    static var figuresType: any ChannelFigures.Type { IdentityFigures.self }

    init() {}

    init(options o: ChannelOptions) throws {
        if let p = o.prior { throw ChannelOptionError(.prior, p.rawValue, "the identity channel has no prior") }
        if let m = o.priorComponents { throw ChannelOptionError(.priorComponents, String(m), "the identity channel has no prior") }
        if let r = o.rate { throw ChannelOptionError(.rate, r.rawValue, "the identity channel's rate is zero") }
    }

    var encoderOutputsPerLatent: Int { 1 }
    var priorKind: String { "none" }
    var summary: String { "no noise, zero rate" }

    func makeBottleneck(latent: LatentShape) -> any Bottleneck { IdentityBottleneck(latentDim: latent.count) }
    func parameterShapes(latent: LatentShape) throws -> [String: [Int]] { [:] }
    func describe(latent: LatentShape) -> ArchitectureDescription.ChannelDescription {
        let k = latent.count
        return ArchitectureDescription.ChannelDescription(kind: Self.name, encoderOutputs: k, layout: ["z: outputs 0..<\(k)"],
                                                          logvarClamp: nil, transmit: "z = h", rate: "0")
    }
}

final class IdentityBottleneck: Bottleneck {
    static let encoderOutputsPerLatent = 1
    let latentDim: Int
    init(latentDim: Int) { self.latentDim = latentDim }

    func drawNoise(rows: Int, mode: BottleneckMode, using rng: inout SeededGenerator) -> Tensor? { nil }
    func transmit(_ h: Tensor, noise: Tensor?, mode: BottleneckMode) -> BottleneckOutput {
        BottleneckOutput(z: h, rate: Tensor(zeros: [h.shape[0]]), noiseless: h)
    }
    func samplePrior(count: Int, using rng: inout SeededGenerator) -> Tensor { Tensor.randomNormal([count, latentDim], using: &rng) }
    var namedParameters: [(name: String, tensor: Tensor)] { [] }
    func evaluationStatistics(examples: Int, exampleShape: [Int], miExamples: Int) -> any BottleneckStatistics { IdentityStatistics() }
}

struct IdentityStatistics: BottleneckStatistics {
    var examples = 0
    mutating func add(_ output: BottleneckOutput, examples y: Tensor, range: Range<Int>) { examples += range.count }
    func finish() -> (figures: any ChannelFigures, ratePerDimNats: [Double]?) { (IdentityFigures(examples: examples), nil) }
}

struct IdentityFigures: ChannelFigures, Equatable {
    var examples: Int
    var rateLabel: String { "rate (none: identity channel)" }
    var rateNote: String { "zero by construction" }
    var evaluationLatent: (formula: String, short: String) { ("z = h", "identity") }
    var noiselessLatent: String { "z = h" }
    var ratePerDimension: (series: String, caption: String) { ("zero", "No rate") }
}
