import Foundation
import RDACore

/// One channel's own settings, and everything the rest of rda asks about a channel: the unit of
/// the channel registry (`Channels`).
///
/// A settings value is `Codable` into the *flat* object of the model's configuration (its keys
/// beside `arch`, `lambda`, ...), so that the Gaussian and quantized channels write exactly the
/// keys older model files have (`prior`, `priorComponents`); `ModelConfig` adds `channel: name`
/// for every channel but the default one.
///
/// Adding a channel: a type adopting this protocol (its settings, bottleneck, description and
/// figures, in one file or a few in this folder) and one line in `Channels.builtIn` (or a call
/// to `Channels.register` for a channel that lives elsewhere, as the tests' identity channel).
public protocol ChannelSettings: Codable, Sendable {
    /// The channel's name: the model file's `channel`, the value of the command line's channel option.
    static var name: String { get }
    /// The type of the channel's own evaluation figures (its section of eval.json).
    static var figuresType: any ChannelFigures.Type { get }
    /// Settings from the generic channel options; throws `ChannelOptionError` naming an option
    /// the channel does not take or a value out of range.
    init(options: ChannelOptions) throws
    /// Throws a one-line `RDAError` when a setting read from a file is out of range.
    func validate() throws
    /// Encoder outputs per latent dimension (the encoder ends in K times this many values).
    var encoderOutputsPerLatent: Int { get }
    /// A fresh bottleneck for `latent` (deterministic: draws no randomness).
    func makeBottleneck(latent: LatentShape) -> any Bottleneck
    /// The shapes of the channel's float parameters in a model file, by name without the
    /// `prior.` prefix (integer tensors are validated by the bottleneck when it loads them).
    /// Throws a one-line `RDAError` when a setting read from a file is out of range.
    func parameterShapes(latent: LatentShape) throws -> [String: [Int]]
    /// How the encoder's output becomes z, for the model's architecture description.
    func describe(latent: LatentShape) -> ArchitectureDescription.ChannelDescription
    /// The prior's kind in the architecture description (`standard`, `learned`, `quantized-learned`).
    var priorKind: String { get }
    /// The channel and its prior in a few words, for progress lines and curve descriptions
    /// (`standard prior`, `quantized latents, 3-logistic prior`).
    var summary: String { get }
    /// The rate estimator recorded in the training options (`rda.training`'s `rate`), which
    /// every model file carries: the Gaussian channel's training estimator, closed-form otherwise.
    var recordedRateEstimator: RateEstimator { get }
}

extension ChannelSettings {
    /// The channel's name.
    public var name: String { Self.name }
    /// Nothing to check.
    public func validate() throws {}
    /// Closed-form: the default the training record has always carried.
    public var recordedRateEstimator: RateEstimator { .closedForm }
}

/// The options of a channel as a user gives them, before any channel has read them: each
/// channel's `init(options:)` takes what it understands and refuses the rest (nil: not given).
public struct ChannelOptions: Equatable, Sendable {
    /// The Gaussian channel's prior: standard N(0, I) or learned N(mu_z, diag sigma_z^2).
    public var prior: Prior.Kind?
    /// Logistic components per dimension of the quantized channel's discrete prior.
    public var priorComponents: Int?
    /// The Gaussian channel's training rate estimator.
    public var rate: RateEstimator?

    /// Options with the given values (nil: not given).
    public init(prior: Prior.Kind? = nil, priorComponents: Int? = nil, rate: RateEstimator? = nil) {
        self.prior = prior; self.priorComponents = priorComponents; self.rate = rate
    }

    /// The option names, as the library speaks of them (the command line maps them to its flags).
    public enum Name: String, Sendable, CaseIterable {
        /// `prior`
        case prior
        /// `priorComponents`
        case priorComponents
        /// `rate`
        case rate
    }
}

/// A channel option that a channel does not take, or takes with another value: the option's
/// name and a reason in the model's words (the command line prefixes its flag).
public struct ChannelOptionError: Error, CustomStringConvertible, Equatable {
    /// The option at fault.
    public var option: ChannelOptions.Name
    /// The value given, as text.
    public var value: String
    /// Why it is refused.
    public var reason: String
    /// The option, its value and the reason.
    public init(_ option: ChannelOptions.Name, _ value: String, _ reason: String) {
        self.option = option; self.value = value; self.reason = reason
    }
    /// `prior learned: reason` (the library's wording; the command line writes its flag instead).
    public var description: String { "\(option.rawValue) \(value): \(reason)" }
}

/// The channel of a model: one value carrying its own settings (`ChannelSettings`).
///
/// Two configurations are equal when they name the same channel with the same settings (compared
/// through their JSON). `Codable` as a nested object `{"kind": name, ...settings}` (run.json,
/// sweep records); `ModelConfig` writes its settings flat instead (see `ChannelSettings`).
public struct ChannelConfig: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The settings of the channel.
    public let settings: any ChannelSettings

    /// The channel with `settings`.
    public init(_ settings: any ChannelSettings) { self.settings = settings }

    /// The default channel: Gaussian, standard prior, closed-form rate.
    public static var `default`: ChannelConfig { ChannelConfig(GaussianChannelSettings()) }

    /// The channel named `name` with `options`; throws a one-line error for an unknown name and
    /// `ChannelOptionError` for options it does not take.
    public static func named(_ name: String, options: ChannelOptions = ChannelOptions()) throws -> ChannelConfig {
        ChannelConfig(try Channels.type(named: name).init(options: options))
    }

    /// The channel's name.
    public var name: String { settings.name }
    /// The channel's name and settings in words.
    public var description: String { "\(name) channel, \(settings.summary)" }

    /// The settings' flat JSON with sorted keys (equality, fingerprints of requests).
    var flatJSON: Data { (try? JSONEncoder.sorted.encode(FlatSettings(settings: settings))) ?? Data() }

    public static func == (a: ChannelConfig, b: ChannelConfig) -> Bool { a.name == b.name && a.flatJSON == b.flatJSON }

    enum CodingKeys: String, CodingKey { case kind }

    /// Reads `{"kind": name, ...settings}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .kind)
        settings = try Channels.type(named: name).init(from: decoder)
    }

    /// Writes `{"kind": name, ...settings}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .kind)
        try settings.encode(to: encoder)
    }

    /// Reads the channel of a flat configuration object: `channel` names it (absent: the default,
    /// gaussian), and the settings read their own keys from the same object.
    static func decodeFlat(from decoder: any Decoder, nameKey: some CodingKey) throws -> ChannelConfig {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let name = try c.decodeIfPresent(String.self, forKey: AnyKey(nameKey.stringValue)) ?? GaussianChannelSettings.name
        return ChannelConfig(try Channels.type(named: name).init(from: decoder))
    }

    /// Writes the settings into a flat configuration object, and `channel: name` unless it is the
    /// default channel (so a Gaussian model's file is the bytes it always was).
    func encodeFlat(to encoder: any Encoder, nameKey: some CodingKey) throws {
        if name != GaussianChannelSettings.name {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(name, forKey: AnyKey(nameKey.stringValue))
        }
        try settings.encode(to: encoder)
    }
}

/// The settings alone, encoded flat (equality).
private struct FlatSettings: Encodable {
    let settings: any ChannelSettings
    func encode(to encoder: any Encoder) throws { try settings.encode(to: encoder) }
}

/// A coding key of any name.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
