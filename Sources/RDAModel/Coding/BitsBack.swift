import Foundation
import RDACoding
import RDACore

/// Bits-back coding with ANS (BB-ANS, Townsend et al. 2019): a Gaussian-channel model of 8-bit
/// images as a lossless codec whose code length is the negative ELBO.
///
/// One stack (`BitsBackStack`) carries the whole data set. Per example y, in order:
///
///     1. pop z with the posterior q(z|y) discretized to the prior's buckets   (takes back -log2 Q(z) bits)
///     2. push y with the likelihood p(y | z's bucket centres)                 (pays -log2 P(y|z))
///     3. push z with the prior: uniform over the buckets                      (pays K log2 B)
///
/// so each example adds -log2 P(y|z) + K log2 B + log2 Q(z) bits: on average the negative ELBO,
/// the seed's rate KL(q || p) now paid in real bits. Decoding runs the steps backwards from the
/// last example (pop z with the prior, pop y, push z with the posterior) and ends on the initial
/// stack the chain borrowed its first bits from (`Parameters.initialWords`, seeded): finding
/// anything else means the file is damaged.
///
/// Both directions compute exactly the same tables: the networks run one example at a time (the
/// same products in the same order), the tables come from one function each (`LatentBuckets`,
/// `PixelLikelihood`), and the caller runs the Swift GEMM (`requireDeterministicProducts`).
public enum BitsBack {
    /// Seed of the initial stack.
    public static let initialSeed: UInt64 = 0x5EED_B175_BAC4

    /// A model's channel when it can be coded: a Gaussian channel over 8-bit images.
    public static func channel(_ model: RateDistortionAutoencoder) throws -> GaussianBottleneck {
        guard let g = model.bottleneck as? GaussianBottleneck else {
            throw Capability.missing("be coded losslessly by bits-back coding: it needs the Gaussian channel's posterior", channel: model.config.channel.name,
                                     hint: "train a model with ‹channel› gaussian (with ‹distortion› discretized-logistic and ‹lambda› 1 for the best code)")
        }
        let s = model.config.exampleShape
        guard s.count == 3 else {
            throw RDAError("bits-back coding codes 8-bit images; this model's examples have shape \(s)")
        }
        return g
    }

    /// The examples' 8-bit levels (k from y = k/255), refusing values that are not on that grid.
    /// Shapes: [N, D] -> N * D levels.
    public static func levels(_ examples: Tensor) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: examples.count)
        for i in 0..<examples.count {
            let v = Double(examples.data[i]) * 255, k = v.rounded()
            guard k >= 0, k <= 255, Swift.abs(v - k) < 1e-3 else {
                throw RDAError("example \(i / Swift.max(examples.shape[1], 1) + 1) has the value \(examples.data[i]), not an 8-bit pixel k/255: lossless coding takes 8-bit images")
            }
            out[i] = UInt8(k)
        }
        return out
    }

    /// Time spent running the networks (the rest of coding's time builds tables and moves bits).
    public final class Clock: @unchecked Sendable {
        /// Seconds in the encoder and decoder networks.
        public var networkSeconds = 0.0
        /// A clock at zero.
        public init() {}

        @inline(__always)
        func time<R>(_ body: () -> R) -> R {
            let start = DispatchTime.now().uptimeNanoseconds
            let r = body()
            networkSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return r
        }
    }

    /// What the coding of a data set measured (the file's bits are `stack.bitCount`).
    public struct Statistics: Sendable {
        /// Examples coded.
        public var count = 0
        /// Sum over examples of KL(q(z|y) || p(z)) in nats (closed form).
        public var klNats = 0.0
        /// Sum over examples of -ln p(y | z's bucket centres) in nats (the float likelihood).
        public var likelihoodNats = 0.0
        /// Sum of the integer tables' code lengths: likelihood + prior - posterior, in bits.
        public var netBits = 0.0
        /// The latents' part of `netBits`: prior - posterior, in bits (the KL's realisation).
        public var latentNetBits = 0.0
        /// The negative ELBO estimate of the coded examples, in bits (KL + likelihood).
        public var nelboBits: Double { (klNats + likelihoodNats) / M_LN2 }
    }

    /// Encodes `count` examples (their `levels`, example after example) onto a fresh stack of
    /// `parameters.initialWords` seeded words. `progress` gets the number coded so far.
    public static func encode(_ model: RateDistortionAutoencoder, levels: [UInt8], count: Int, parameters: Parameters,
                              clock: Clock = Clock(), progress: ((Int) -> Void)? = nil) throws -> (stack: BitsBackStack, statistics: Statistics) {
        let net = try Networks(model, parameters: parameters)
        let d = net.d
        precondition(levels.count == count * d, "BitsBack.encode: \(levels.count) levels for \(count) examples of \(d)")
        var stack = BitsBackStack(randomWords: parameters.initialWords, seed: initialSeed)
        var stats = Statistics()
        let all = Array(0..<d)
        for n in 0..<count {
            push(Array(levels[(n * d)..<((n + 1) * d)]), coded: all, net: net, onto: &stack, statistics: &stats, clock: clock)
            progress?(n + 1)
        }
        return (stack, stats)
    }

    /// Decodes `count` examples from `stack`: their levels, example after example. Throws when the
    /// chain does not end on the initial stack (a damaged file).
    public static func decode(_ model: RateDistortionAutoencoder, stack start: BitsBackStack, count: Int, parameters: Parameters,
                              clock: Clock = Clock(), progress: ((Int) -> Void)? = nil) throws -> [UInt8] {
        let net = try Networks(model, parameters: parameters)
        let d = net.d, all = Array(0..<d)
        var stack = start
        var levels = [UInt8](repeating: 0, count: count * d)
        for n in (0..<count).reversed() {
            let example = pop(coded: all, net: net, from: &stack, fill: { _ in }, clock: clock)
            levels.replaceSubrange((n * d)..<((n + 1) * d), with: example)
            progress?(count - n)
        }
        try checkEnd(stack, parameters)
        return levels
    }

    /// Throws unless a decoded chain ended on its initial stack (built only when the word counts
    /// agree: a damaged file's count allocates nothing).
    static func checkEnd(_ stack: BitsBackStack, _ parameters: Parameters) throws {
        guard stack.words.count == parameters.initialWords, stack == BitsBackStack(randomWords: parameters.initialWords, seed: initialSeed) else {
            throw RDAError("the bits-back chain does not end on its initial bits: the file is damaged (or was made by another build of rda)")
        }
    }

    /// One example's bits-back step (steps 1-3 above): `example` holds the network's d values
    /// (an image padded to the model's size), of which the indices `coded` (increasing) are
    /// pushed with the likelihood; the others (the padding) are a function of them.
    static func push(_ example: [UInt8], coded: [Int], net: Networks, onto stack: inout BitsBackStack,
                     statistics stats: inout Statistics, clock: Clock) {
        let k = net.k, bp = net.buckets.precision, lp = net.likelihood.precision, bb = net.buckets.bucketBits
        var buckets = [Int](repeating: 0, count: k)
        let q = clock.time { net.posterior(example) }
        for j in 0..<k {
            let slot = stack.peek(precision: bp)
            let b = net.buckets.bucket(holding: slot, mean: q.mean[j], sd: q.sd[j])
            stack.pop(cumulative: b.cumulative, frequency: b.frequency, precision: bp)
            buckets[j] = b.bucket
            stats.netBits -= log2(Double(1 << bp) / Double(b.frequency))   // taken back
            stats.latentNetBits -= log2(Double(1 << bp) / Double(b.frequency))
            stats.klNats += q.kl[j]
        }
        let out = clock.time { net.decoderOutputs(buckets) }
        for j in coded {
            let (a, s) = net.parameters(out, j)
            let iv = net.likelihood.interval(level: Int(example[j]), a, s)
            stack.push(cumulative: iv.cumulative, frequency: iv.frequency, precision: lp)
            stats.netBits += log2(Double(1 << lp) / Double(iv.frequency))
            stats.likelihoodNats += net.negativeLogLikelihood(level: Int(example[j]), a, s)
        }
        for j in 0..<k { stack.push(cumulative: UInt32(buckets[j]), frequency: 1, precision: bb) }
        stats.netBits += Double(k * bb)   // the prior: exactly log2 B a dimension
        stats.latentNetBits += Double(k * bb)
        stats.count += 1
    }

    /// The inverse of `push`: pops z with the prior, the `coded` values with the likelihood,
    /// lets `fill` set the others (the padding) from them, and pushes z back with the posterior.
    /// Returns the example's d values.
    static func pop(coded: [Int], net: Networks, from stack: inout BitsBackStack, fill: (inout [UInt8]) -> Void, clock: Clock) -> [UInt8] {
        let k = net.k, bp = net.buckets.precision, lp = net.likelihood.precision, bb = net.buckets.bucketBits
        var buckets = [Int](repeating: 0, count: k)
        var example = [UInt8](repeating: 0, count: net.d)
        for j in (0..<k).reversed() {
            let slot = stack.peek(precision: bb)
            stack.pop(cumulative: slot, frequency: 1, precision: bb)
            buckets[j] = Int(slot)
        }
        let out = clock.time { net.decoderOutputs(buckets) }
        for j in coded.reversed() {
            let (a, s) = net.parameters(out, j)
            let r = net.likelihood.level(holding: stack.peek(precision: lp), a, s)
            stack.pop(cumulative: r.cumulative, frequency: r.frequency, precision: lp)
            example[j] = UInt8(r.level)
        }
        fill(&example)
        let q = clock.time { net.posterior(example) }
        for j in (0..<k).reversed() {
            let iv = net.buckets.interval(bucket: buckets[j], mean: q.mean[j], sd: q.sd[j])
            stack.push(cumulative: iv.cumulative, frequency: iv.frequency, precision: bp)
        }
        return example
    }
}
