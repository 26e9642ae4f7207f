import RDACoding

extension ChannelSimulationCodec {
    /// The mean KL per example, in bits, from which the default block and candidate bits switch
    /// from the low-rate pair to the high-rate pair (`defaultSettings`).
    public static let highRateKLBits = 32.0
    /// The default (B, log2 N) below `highRateKLBits`: 11 (`defaultBlockBits`) and 14.
    public static let lowRateSettings = (blockBits: defaultBlockBits, candidateBits: 14)
    /// The default (B, log2 N) at and above `highRateKLBits`: 16 and 18.
    public static let highRateSettings = (blockBits: 16, candidateBits: 18)

    /// The default block bits B and candidate bits log2 N for examples whose mean KL is
    /// `klBitsPerExample` bits (the sum of the plan's per-dimension mean KLs: what the file
    /// stores, so the choice is recorded in its parameter bytes like any other B and N).
    ///
    /// A bounded search trades exactness for bits: truncating a block's search returns a sample
    /// biased toward the prior, which is cheaper to send and decodes to a larger distortion.
    /// What a bit of file buys is then compared with what it buys on the model's own
    /// rate-distortion curve, whose slope at weight lambda is dD/dR = -ln 2 / lambda per bit.
    /// Measured on MNIST conv models (docs/channel-simulation.md):
    /// - at 18 bits (lambda 1, slope 0.69 per bit) the bounded searches from B = 10, N = 2^16 to
    ///   B = 12, N = 2^14 trade about 0.65 of distortion per bit, the model's own price: there
    ///   B = 11, N = 2^14 codes about 1,000 images/s on 2 threads for a file 1.23 times the KL;
    /// - at 46 and 57 bits (lambda 4 and 6, slopes 0.17 and 0.12 per bit) B = 16, N = 2^18 sends
    ///   7-8 bits fewer than B = 10, N = 2^14 for a distortion up 0.06-0.12 per bit saved: below
    ///   the model's slope, so the saved bits are worth more than the exactness; from 46 to 65
    ///   bits the file is 1.06-1.11 times the KL, at a tenth of the low-rate speed or less.
    public static func defaultSettings(klBitsPerExample: Double) -> (blockBits: Int, candidateBits: Int) {
        klBitsPerExample < highRateKLBits ? lowRateSettings : highRateSettings
    }
}
