import Foundation

/// How a file's channel simulation splits each example's latent into blocks: which latent
/// dimensions (and which refinement steps of them) are simulated together, and the prior of
/// each step. Both sides derive it, with integer arithmetic, from the few numbers a file stores
/// (`ChannelSimulationParameters`): the block size B in bits, the candidate bound, the seed, and
/// per dimension its mean KL over the file and its typical posterior variance.
///
/// ## Steps (auxiliary variables)
/// A dimension whose mean KL exceeds B bits is sent in m = ceil(KL / B) steps (Flamich, Havasi
/// and Hernandez-Lobato 2020): z = a_1 + ... + a_m with independent priors a_j ~ N(0, s_j^2),
/// sum s_j^2 = 1, so z ~ N(0, 1). The remaining prior variance before step j is
///
///     v_j = 2^(-L (j - 1) / m),   s_j^2 = v_j - v_(j+1)  (j < m),   s_m^2 = v_m,
///
/// with L = max(log2 of 1 / the typical posterior variance, m): each step shrinks the
/// uncertainty by the same factor, so each carries about KL / m bits.
///
/// ## Blocks
/// Round r = 1, 2, ... takes step r of every dimension that has one, with weight
/// ceil(meanKL / m) (in 1/256 bits), heaviest first (ties: lower dimension first), and packs
/// them first-fit into blocks of capacity B bits, each keeping that order. A block never holds two steps of one
/// dimension, and step r's block comes after step r - 1's.
public struct ChannelSimulationPlan: Equatable, Sendable {
    /// One refinement step of one latent dimension.
    public struct Unit: Equatable, Sendable {
        /// The latent dimension, 0..<dimensions.
        public let dimension: Int
        /// The step, 0..<steps[dimension].
        public let step: Int
    }

    /// Largest B (bits per block).
    public static let maximumBlockBits = 20
    /// Largest log2 of the candidate bound.
    public static let maximumCandidateBits = 24
    /// Most steps a dimension is split into.
    public static let maximumSteps = 64
    /// KL and log-variance figures are stored in units of 1/256 bit.
    public static let unit = 256.0

    /// B: the planned KL of a block, in bits.
    public let blockBits: Int
    /// log2 of N, the most candidates the encoder examines in a block.
    public let candidateBits: Int
    /// The file's seed of the shared randomness.
    public let seed: UInt64
    /// Per dimension: its mean KL over the file, in 1/256 bits.
    public let meanKL: [UInt16]
    /// Per dimension: log2(1 / typical posterior variance), in 1/256 bits (clamped at 0).
    public let precisionBits: [UInt16]
    /// Per dimension: its number of steps m.
    public let steps: [Int]
    /// Per dimension, per step: the prior variance s_j^2 of the step.
    public let stepVariance: [[Double]]
    /// Per dimension, per step: the prior variance v_j that remains before the step.
    public let remainingVariance: [[Double]]
    /// The blocks, in coding order; each lists its units heaviest first (ties: lower dimension first).
    public let blocks: [[Unit]]

    /// K, the number of latent dimensions.
    public var dimensions: Int { meanKL.count }
    /// N, the candidate bound of every block.
    public var candidateCount: Int { 1 << candidateBits }

    /// The plan for these stored numbers (validated: throws `invalidArgument` on values out of range).
    public init(blockBits: Int, candidateBits: Int, seed: UInt64, meanKL: [UInt16], precisionBits: [UInt16]) throws {
        guard (1...Self.maximumBlockBits).contains(blockBits) else {
            throw RDACodingError(.invalidArgument, "block bits \(blockBits) must be 1...\(Self.maximumBlockBits)")
        }
        guard (blockBits...Self.maximumCandidateBits).contains(candidateBits) else {
            throw RDACodingError(.invalidArgument, "candidate bits \(candidateBits) must be \(blockBits)...\(Self.maximumCandidateBits) (at least the block bits)")
        }
        guard !meanKL.isEmpty, meanKL.count == precisionBits.count else {
            throw RDACodingError(.invalidArgument, "a plan needs one mean KL and one precision per dimension (\(meanKL.count) and \(precisionBits.count))")
        }
        self.blockBits = blockBits
        self.candidateBits = candidateBits
        self.seed = seed
        self.meanKL = meanKL
        self.precisionBits = precisionBits
        let capacity = blockBits * Int(Self.unit)
        let steps = meanKL.map { Swift.min(Self.maximumSteps, Swift.max(1, (Int($0) + capacity - 1) / capacity)) }
        self.steps = steps
        var variances: [[Double]] = [], remaining: [[Double]] = []
        for (i, m) in steps.enumerated() {
            let l = Swift.max(Double(precisionBits[i]) / Self.unit, Double(m))
            let v = (0...m).map { j in j == m ? 0 : Foundation.exp2(-l * Double(j) / Double(m)) }
            remaining.append(Array(v[0..<m]))
            variances.append((0..<m).map { j in j == m - 1 ? v[j] : v[j] - v[j + 1] })
        }
        stepVariance = variances
        remainingVariance = remaining
        var blocks: [[Unit]] = []
        for round in 0..<(steps.max() ?? 1) {
            let members = steps.indices.filter { steps[$0] > round }
            let weight = { (i: Int) in (Int(meanKL[i]) + steps[i] - 1) / steps[i] }
            let order = members.sorted { weight($0) != weight($1) ? weight($0) > weight($1) : $0 < $1 }
            let bins = FirstFit.pack(order.map(weight), capacity: capacity)
            // heaviest first, the order the encoder's bound prunes best in
            blocks += bins.map { $0.map { Unit(dimension: order[$0], step: round) } }
        }
        self.blocks = blocks
    }

    /// Per-dimension figures of a set of posteriors, as a plan stores them: the mean KL of
    /// N(mu, s^2) against N(0, 1) in 1/256 bits, and log2 of 1 / the geometric mean of s^2.
    /// `mu` and `logVariance` are row-major [examples, dimensions].
    public static func figures(mu: [Double], logVariance: [Double], dimensions k: Int) -> (meanKL: [UInt16], precisionBits: [UInt16]) {
        let n = Swift.max(mu.count / Swift.max(k, 1), 1)
        var kl = [Double](repeating: 0, count: k), lv = [Double](repeating: 0, count: k)
        for e in 0..<(mu.count / Swift.max(k, 1)) {
            for i in 0..<k {
                kl[i] += GaussianKL.bits(mu: mu[e * k + i], logVariance: logVariance[e * k + i])
                lv[i] += logVariance[e * k + i]
            }
        }
        let clamp = { (x: Double) in UInt16(Swift.min(Swift.max(x * Self.unit, 0), 65535).rounded()) }
        return (kl.map { clamp($0 / Double(n)) }, lv.map { clamp(-$0 / Double(n) / Foundation.log(2)) })
    }
}

/// KL(N(mu, s^2) || N(0, 1)) and its relatives, the one formula of the channel simulation's
/// rates: KL = (s^2 + mu^2 - 1 - ln s^2) / 2 nats.
public enum GaussianKL {
    /// KL(N(mu, e^logVariance) || N(0, 1)) in bits.
    public static func bits(mu: Double, logVariance: Double) -> Double {
        0.5 * (Foundation.exp(logVariance) + mu * mu - 1 - logVariance) / Foundation.log(2)
    }

    /// KL(N(m, u) || N(0, s2)) in nats.
    public static func nats(mean m: Double, variance u: Double, priorVariance s2: Double) -> Double {
        0.5 * (u / s2 + m * m / s2 - 1 - Foundation.log(u / s2))
    }
}
