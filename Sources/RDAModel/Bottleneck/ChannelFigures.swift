import Foundation

/// A channel's own evaluation figures (its section of eval.json, `"channel": {"kind": ..., ...}`)
/// and the words the report page and `rda eval` print beside every figure.
///
/// Each channel's statistics (`BottleneckStatistics`) produce one; everything outside the
/// bottleneck folder reads them through this protocol.
public protocol ChannelFigures: Codable, Sendable {
    /// The rate's name in tables (`rate (closed-form KL)`).
    var rateLabel: String { get }
    /// What the rate is (`mean KL(p(z|y) || p_hat(z))`).
    var rateNote: String { get }
    /// The evaluation channel's latent (`z = mu + sigma * eps`) and its short name (`noisy channel`).
    var evaluationLatent: (formula: String, short: String) { get }
    /// The noiseless latent (`z = mu`; quantized: `y unrounded`).
    var noiselessLatent: String { get }
    /// The name of one dimension's rate in the rate-per-dimension chart, and the chart's caption start.
    var ratePerDimension: (series: String, caption: String) { get }
    /// What `rda eval` appends to its rate line (the Monte Carlo estimate), or "".
    var rateLineSuffix: String { get }
    /// Lines of `rda eval`'s table right after the rate line (the coded bits).
    var rateLines: [String] { get }
    /// Lines of `rda eval`'s table after the distortion figures (the MI estimate).
    var summaryLines: [String] { get }
    /// Rows of the report page's evaluation table (term, nats, bits, note) right after the rate
    /// (other estimates of it).
    var rateRows: [[String]] { get }
    /// Rows of the report page's evaluation table after the objective (the channel's own figures).
    var reportRows: [[String]] { get }
    /// The aggregate-posterior estimate of I(y, z) in nats, when the channel makes one (curves).
    var mutualInformationNats: Double? { get }
}

extension ChannelFigures {
    public var rateLineSuffix: String { "" }
    public var rateLines: [String] { [] }
    public var summaryLines: [String] { [] }
    public var rateRows: [[String]] { [] }
    public var reportRows: [[String]] { [] }
    public var mutualInformationNats: Double? { nil }
}

/// The channel section of an evaluation: the channel's name and its figures.
///
/// eval.json version 2 writes it as the object `"channel": {"kind": name, ...figures}`; version 1
/// had the figures at the top level and `channel` a string, absent for the Gaussian channel
/// (`decodeVersion1`).
public struct ChannelFiguresSection: Codable, Sendable {
    /// The channel's name.
    public var kind: String
    /// Its figures.
    public var figures: any ChannelFigures

    /// The figures of the channel `kind`.
    public init(kind: String, figures: any ChannelFigures) { self.kind = kind; self.figures = figures }

    enum CodingKeys: String, CodingKey { case kind }

    /// Reads `{"kind": name, ...figures}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        figures = try Channels.type(named: kind).figuresType.init(from: decoder)
    }

    /// Writes `{"kind": name, ...figures}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try figures.encode(to: encoder)
    }

    /// Reads a version-1 report's channel: its name from `channel` (absent: gaussian), its
    /// figures from the report's top level.
    static func decodeVersion1(from decoder: any Decoder, kind: String?) throws -> ChannelFiguresSection {
        let name = kind ?? GaussianChannelSettings.name
        return ChannelFiguresSection(kind: name, figures: try Channels.type(named: name).figuresType.init(from: decoder))
    }
}
