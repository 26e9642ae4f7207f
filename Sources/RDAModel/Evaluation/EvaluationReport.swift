import Foundation

/// Everything `rda eval` reports about a model on a data split (the keys of `eval --json`, and a
/// run's eval.json).
///
/// The channel-independent figures sit at the top level; the channel's own figures are its
/// section, `"channel": {"kind": name, ...}` (`ChannelFiguresSection`): the Gaussian channel's
/// Monte Carlo rate and mutual-information estimate, the quantized channel's coded, estimated and
/// container bits. Version 2 (this layout) carries `version`; version 1 (no `version`) had the
/// channel's figures at the top level and `channel` a string, absent for the Gaussian channel,
/// and still reads.
public struct EvaluationReport: Codable, Sendable {
    /// The layout written today.
    public static let currentVersion = 2

    /// The analytic optimum at the model's lambda (Gaussian sources, L2).
    public struct Bound: Codable, Sendable {
        /// Rate in nats, distortion, and rate + lambda * distortion at the optimum.
        public var rateNats: Double, distortion: Double, objective: Double
        /// "gaussian" or "laplace" (absent in reports written before there were two).
        public var kind: String?
        enum CodingKeys: String, CodingKey { case rateNats = "rate_nats", distortion, objective, kind }
    }
    /// The layout's version (`currentVersion` when written; 1 for files without it).
    public var version: Int = EvaluationReport.currentVersion
    /// The data's name (`mnist`, `gaussian:4,2,1`, a folder).
    public var data: String
    /// `train` or `test`.
    public var split: String
    /// Number of examples scored.
    public var examples: Int
    /// Seed of the channel noise.
    public var seed: UInt64
    /// The model's lambda.
    public var lambda: Double
    /// `l2` or `l1`.
    public var distortionKind: String
    /// The channel's name and its own figures.
    public var channel: ChannelFiguresSection
    /// Mean rate, nats and bits, as the channel measures it (Gaussian: the closed-form
    /// KL(p(z|y) || p_hat(z)); quantized: -ln P(z~) under the float learned prior).
    public var rateNats: Double, rateBits: Double
    /// The distortion through the evaluation channel (Gaussian: one eps per example; quantized:
    /// z~ = round(y)), and without a channel (the noiseless latent).
    public var distortion: Double, distortionMeanLatent: Double
    /// rate + lambda * distortion, and its standard error over examples.
    public var objective: Double, objectiveStderr: Double
    /// Squared error per dimension through the evaluation channel, and the PSNR it implies (images: peak 1).
    public var msePerDim: Double, psnrDb: Double?
    /// The VAE reading: rate + lambda d + the likelihood's normalizer; per dimension in bits.
    public var nelboNats: Double, bitsPerDim: Double
    /// The exact optimum when the source's R(D) under this distortion is known (Gaussian under
    /// l2, Laplace under l1); written as null otherwise, with `boundNote` saying why.
    @NullEncoded public var bound: Bound?
    /// Why `bound` is null (no closed-form R(D) for this source and distortion); nil when it is set.
    public var boundNote: String? = nil
    /// The rate split by latent dimension (mean over examples, nats, entry k for dimension k;
    /// sums to `rateNats`), as the channel splits it. Absent in reports written before it existed.
    public var ratePerDimNats: [Double]? = nil
    /// For Gaussian sources: the bound's rate per source component (reverse water-filling), in
    /// the order of the source's variances.
    public var boundRatePerComponentNats: [Double]? = nil
    /// Images: the NELBO with the likelihood's mass on each 8-bit pixel value instead of its
    /// density (`DiscretizedLikelihood`), in bits per dimension, as VAE papers report it.
    public var bitsPerDim8bit: Double? = nil

    /// A report from its always-present parts (the optional ones start nil).
    public init(data: String, split: String, examples: Int, seed: UInt64, lambda: Double, distortionKind: String,
                channel: ChannelFiguresSection, rateNats: Double, rateBits: Double, distortion: Double,
                distortionMeanLatent: Double, objective: Double, objectiveStderr: Double, msePerDim: Double,
                psnrDb: Double?, nelboNats: Double, bitsPerDim: Double) {
        self.data = data; self.split = split; self.examples = examples; self.seed = seed; self.lambda = lambda
        self.distortionKind = distortionKind; self.channel = channel; self.rateNats = rateNats; self.rateBits = rateBits
        self.distortion = distortion; self.distortionMeanLatent = distortionMeanLatent; self.objective = objective
        self.objectiveStderr = objectiveStderr; self.msePerDim = msePerDim; self.psnrDb = psnrDb
        self.nelboNats = nelboNats; self.bitsPerDim = bitsPerDim
    }

    /// The channel's own figures.
    public var figures: any ChannelFigures { channel.figures }

    enum CodingKeys: String, CodingKey {
        case version, data, split, examples, seed, lambda, objective, distortion, bound, channel
        case boundNote = "bound_note"
        case distortionKind = "distortion_kind"
        case rateNats = "rate_nats", rateBits = "rate_bits"
        case distortionMeanLatent = "distortion_mean_latent"
        case objectiveStderr = "objective_stderr"
        case msePerDim = "mse_per_dim", psnrDb = "psnr_db"
        case nelboNats = "nelbo_nats", bitsPerDim = "bits_per_dim"
        case ratePerDimNats = "rate_per_dim_nats", boundRatePerComponentNats = "bound_rate_per_component_nats"
        case bitsPerDim8bit = "bits_per_dim_8bit"
    }

    /// Reads version 2, or version 1 (see the type's comment).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        guard (1...Self.currentVersion).contains(version) else {
            throw RDAError("an evaluation of version \(version), newer than this rda reads (\(Self.currentVersion)); use a newer rda")
        }
        data = try c.decode(String.self, forKey: .data)
        split = try c.decode(String.self, forKey: .split)
        examples = try c.decode(Int.self, forKey: .examples)
        seed = try c.decode(UInt64.self, forKey: .seed)
        lambda = try c.decode(Double.self, forKey: .lambda)
        distortionKind = try c.decode(String.self, forKey: .distortionKind)
        if version == 1 {
            channel = try ChannelFiguresSection.decodeVersion1(from: decoder, kind: try c.decodeIfPresent(String.self, forKey: .channel))
        } else {
            channel = try c.decode(ChannelFiguresSection.self, forKey: .channel)
        }
        rateNats = try c.decode(Double.self, forKey: .rateNats)
        rateBits = try c.decode(Double.self, forKey: .rateBits)
        distortion = try c.decode(Double.self, forKey: .distortion)
        distortionMeanLatent = try c.decode(Double.self, forKey: .distortionMeanLatent)
        objective = try c.decode(Double.self, forKey: .objective)
        objectiveStderr = try c.decode(Double.self, forKey: .objectiveStderr)
        msePerDim = try c.decode(Double.self, forKey: .msePerDim)
        psnrDb = try c.decodeIfPresent(Double.self, forKey: .psnrDb)
        nelboNats = try c.decode(Double.self, forKey: .nelboNats)
        bitsPerDim = try c.decode(Double.self, forKey: .bitsPerDim)
        _bound = try c.decode(NullEncoded<Bound>.self, forKey: .bound)
        boundNote = try c.decodeIfPresent(String.self, forKey: .boundNote)
        ratePerDimNats = try c.decodeIfPresent([Double].self, forKey: .ratePerDimNats)
        boundRatePerComponentNats = try c.decodeIfPresent([Double].self, forKey: .boundRatePerComponentNats)
        bitsPerDim8bit = try c.decodeIfPresent(Double.self, forKey: .bitsPerDim8bit)
    }

    /// Writes version 2 (whatever version was read).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.currentVersion, forKey: .version)
        try c.encode(data, forKey: .data); try c.encode(split, forKey: .split)
        try c.encode(examples, forKey: .examples); try c.encode(seed, forKey: .seed)
        try c.encode(lambda, forKey: .lambda); try c.encode(distortionKind, forKey: .distortionKind)
        try c.encode(channel, forKey: .channel)
        try c.encode(rateNats, forKey: .rateNats); try c.encode(rateBits, forKey: .rateBits)
        try c.encode(distortion, forKey: .distortion); try c.encode(distortionMeanLatent, forKey: .distortionMeanLatent)
        try c.encode(objective, forKey: .objective); try c.encode(objectiveStderr, forKey: .objectiveStderr)
        try c.encode(msePerDim, forKey: .msePerDim); try c.encodeIfPresent(psnrDb, forKey: .psnrDb)
        try c.encode(nelboNats, forKey: .nelboNats); try c.encode(bitsPerDim, forKey: .bitsPerDim)
        try c.encode(_bound, forKey: .bound)
        try c.encodeIfPresent(boundNote, forKey: .boundNote)
        try c.encodeIfPresent(ratePerDimNats, forKey: .ratePerDimNats)
        try c.encodeIfPresent(boundRatePerComponentNats, forKey: .boundRatePerComponentNats)
        try c.encodeIfPresent(bitsPerDim8bit, forKey: .bitsPerDim8bit)
    }
}
