import ArgumentParser
import RDAModel

/// The channel flags of `rda train` and `rda sweep`: `--channel` names a registered channel, and
/// the others are its settings (`ChannelOptions`), each channel taking its own and refusing the rest.
struct ChannelFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Bottleneck: \(Channels.names.joined(separator: ", ")). gaussian: the noisy channel z = mu + sigma eps; quantized: z = round(y), entropy coded with a learned discrete prior."))
    var channel: String = ChannelConfig.default.name

    @Option(help: "Prior of the gaussian channel: standard N(0, I) or learned N(mu_z, sigma_z^2) (default standard).")
    var prior: Prior.Kind?

    @Option(help: ArgumentHelp("Logistic mixture components per latent dimension of the quantized channel's prior (1-\(LogisticMixturePrior.maximumComponents), default \(QuantizedBottleneck.defaultComponents))."))
    var priorComponents: Int?

    @Option(help: "Rate estimator the gaussian channel trains with: closed-form (KL) or monte-carlo (one sample). (default: closed-form)")
    var rate: RateEstimator?

    /// An unknown channel is a parse error (one line, pointing to --help).
    func validate() throws {
        guard Channels.names.contains(channel) else {
            throw ValidationError("--channel \(channel): unknown channel (known: \(Channels.names.joined(separator: ", ")))")
        }
    }

    /// The flag of each channel option.
    static func flag(_ name: ChannelOptions.Name) -> String {
        switch name {
        case .prior: return "--prior"
        case .priorComponents: return "--prior-components"
        case .rate: return "--rate"
        }
    }

    /// The channel these flags ask for, or a one-line error naming the flag at fault.
    func config() throws -> ChannelConfig {
        do {
            return try ChannelConfig.named(channel, options: ChannelOptions(prior: prior, priorComponents: priorComponents, rate: rate))
        } catch let e as ChannelOptionError {
            throw RDAError("\(Self.flag(e.option)) \(e.value) \(e.reason) (choose the channel with --channel)")
        } catch let e as RDAError {
            throw RDAError("--channel \(channel): \(e.message)")
        }
    }
}
