/// How the records of a `.rdac` file code their examples: the three ways rda turns a rate into
/// bits. The method is stored in the file (version 3; version-2 files are quantized), so a
/// decoder dispatches on it and refuses a method its model cannot decode.
public enum CodingMethod: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// Rounded latents range coded with the quantized channel's prior (lossy).
    case quantized = 0
    /// Bits-back coding of a Gaussian-channel model with ANS: the examples come back exactly.
    case bitsBack = 1
    /// Channel simulation: a sample of the Gaussian channel's p(z|y), sent in about its KL.
    case channelSimulation = 2

    /// The method's name in messages: "quantized", "bits-back", "channel-simulation".
    public var description: String {
        switch self {
        case .quantized: return "quantized"
        case .bitsBack: return "bits-back"
        case .channelSimulation: return "channel-simulation"
        }
    }
}
