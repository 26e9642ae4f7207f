import RDAKernels

/// The channel registry: every channel rda knows, by name.
///
/// The built-in channels are listed once, in `builtIn`; a channel defined elsewhere (a test's,
/// a library user's) joins with `register`. Nothing outside this folder asks which channel a
/// model has: it asks the channel's settings, its bottleneck, or a capability the bottleneck
/// adopts (`EntropyCodingChannel`, `StandardizableChannel`).
public enum Channels {
    /// The channels every rda has, the default (gaussian) first.
    static let builtIn: [any ChannelSettings.Type] = [
        GaussianChannelSettings.self,
        QuantizedChannelSettings.self,
    ]

    private static let registry = Locked<[any ChannelSettings.Type]>(builtIn)

    /// Adds `type` to the registry (a second registration of the same name replaces the first).
    public static func register(_ type: any ChannelSettings.Type) {
        registry.withLock { list in
            list.removeAll { $0.name == type.name }
            list.append(type)
        }
    }

    /// Every registered channel's name, built-in ones first.
    public static var names: [String] { registry.withLock { $0.map { $0.name } } }

    /// The registered channels whose bottleneck passes `test` (built with default settings for a
    /// one-dimensional latent): e.g. those that adopt a capability,
    /// `Channels.names { $0 is any EntropyCodingChannel }`.
    public static func names(where test: (any Bottleneck) -> Bool) -> [String] {
        let types = registry.withLock { $0 }
        return types.compactMap { type in
            guard let settings = try? type.init(options: ChannelOptions()) else { return nil }
            return test(settings.makeBottleneck(latent: .dense(1))) ? type.name : nil
        }
    }

    /// The channel named `name`, or a one-line error listing the known ones.
    public static func type(named name: String) throws -> any ChannelSettings.Type {
        if let t = registry.withLock({ list in list.first { $0.name == name } }) { return t }
        throw RDAError("unknown channel '\(name)' (known: \(names.joined(separator: ", ")))")
    }
}

extension ChannelConfig {
    /// The Gaussian noisy channel with `prior` and the training estimator `rate`.
    public static func gaussian(prior: Prior.Kind = .standard, rate: RateEstimator = .closedForm) -> ChannelConfig {
        ChannelConfig(GaussianChannelSettings(prior: prior, rate: rate))
    }

    /// The quantized channel whose prior mixes `components` logistics per dimension.
    public static func quantized(components: Int = QuantizedBottleneck.defaultComponents) -> ChannelConfig {
        ChannelConfig(QuantizedChannelSettings(components: components))
    }
}
