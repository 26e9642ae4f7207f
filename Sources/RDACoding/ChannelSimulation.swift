import Foundation

/// Channel simulation (relative-entropy coding) of a Gaussian posterior q = N(mu, diag s^2)
/// against the standard prior p = N(0, I): the encoder sends an index from which the decoder
/// regenerates a latent z distributed (up to the candidate bound) as q, for about
/// KL(q || p) + log2(KL + 1) + O(1) bits per block, with no quantization.
///
/// Per block of a `ChannelSimulationPlan` both sides draw candidates x_1, x_2, ... from the
/// block's prior with the counter-based generator `SimulationRandom` keyed by (seed, example,
/// block), and arrival times T_n = E_1 + ... + E_n (E_i ~ Exp(1), from the same generator).
/// The encoder picks, by the Poisson functional representation (Li and El Gamal 2018),
///
///     K = argmin_n  T_n / r(x_n),   r = q / p   (the block's density ratio)
///
/// which is an exact sample of q when the search is unbounded, with E[log2 K] <= KL + log2(e)/e
/// + 1 (Li and El Gamal 2018, Lemma 1; a universal code of K then costs at most KL + log2(KL + 1)
/// + 4 bits, their Theorem 1). The search examines at most N = 2^candidateBits candidates,
/// drops candidates that cannot win (`Ratio`), and stops once T_n / sup r exceeds the best
/// score. A bounded search returns the best of the first N: a sample biased toward the prior
/// when the true argmin lies further out, which happens when ln r(x) under q spreads well above
/// the KL (importance sampling needs about N = e^(KL + t) for an error of e^(-t/4) + 2 P(ln r >
/// KL + t/2)^(1/2): Chatterjee and Diaconis 2018; for ordered random coding's analysis of the
/// same trade-off, Theis and Yosri 2022). `Block.truncated` reports searches that reached N.
///
/// Steps of a dimension (auxiliary variables, Flamich, Havasi and Hernandez-Lobato 2020) are
/// simulated in order: step j's target is q(a_j | a_1..a_(j-1)), the Gaussian conditional of the
/// posterior given the steps already sent (`Refinement`).
public enum ChannelSimulation {
    /// What the encoder chose in one block, and what it cost.
    public struct Block: Equatable, Sendable {
        /// K, 1...N.
        public let index: Int
        /// KL(q || p) of the block's target in bits (what an exact coder would pay).
        public let klBits: Double
        /// Whether the search stopped at the candidate bound rather than by the stopping rule.
        public let truncated: Bool
    }

    /// What the encoder sends for one example, and the latent the decoder will regenerate.
    public struct Example: Equatable, Sendable {
        /// One choice per block of the plan.
        public let blocks: [Block]
        /// The latent z (standardized: its prior is N(0, I)), [dimensions].
        public let latent: [Double]
    }

    /// The running posterior of the part of each dimension not yet sent (`Refinement`).
    struct Refinement {
        /// Mean and variance of R_j = z - (a_1 + ... + a_(j-1)) under q given the sent steps.
        var mean: Double, variance: Double

        /// Step j's target q(a_j | sent) = N(c mean, c^2 variance + s_j^2 (1 - c)), c = s_j^2 / v_j:
        /// under the prior a_j | R_j ~ N(c R_j, s_j^2 (1 - c)).
        func target(stepVariance s2: Double, remaining v: Double) -> (mean: Double, variance: Double, c: Double) {
            let c = s2 >= v ? 1 : s2 / v
            return (c * mean, c * c * variance + s2 * (1 - c), c)
        }

        /// Conditions on the sent a_j: the joint Gaussian of (R_j, a_j) has Cov = c variance,
        /// so R_(j+1) = R_j - a_j has mean mean + (c variance / u)(a - c mean) - a and variance
        /// variance - (c variance)^2 / u, u = Var a_j.
        mutating func condition(on a: Double, c: Double, targetVariance u: Double) {
            guard c < 1 else { mean = 0; variance = 0; return }
            let gain = c * variance / u
            mean = mean + gain * (a - c * mean) - a
            variance = Swift.max(variance - gain * c * variance, 0)
        }
    }

    /// The log density ratio of a block as a quadratic in the candidate's standard normals g:
    /// x = s g with prior N(0, s^2) and target N(m, u) gives
    ///
    ///     ln r = sum_u alpha g^2 + beta g + gamma,   alpha = (1 - s^2/u) / 2,
    ///     beta = s m / u,   gamma = -m^2 / (2u) + ln(s^2 / u) / 2.
    ///
    /// Since the generator's normals satisfy |g| <= G (`NormalQuantiles.bound`), every term has
    /// a finite maximum over [-G, G]; `suffix[u]` sums them from unit u on, so a candidate whose
    /// first u terms leave it unable to win even at those maxima is dropped without drawing the
    /// rest, and the search stops once even sup r cannot make a later candidate win.
    struct Ratio {
        var alpha: [Double] = [], beta: [Double] = [], gamma = 0.0, klNats = 0.0
        /// Per unit, the maximum of its term over |g| <= G.
        var maxima: [Double] = []

        mutating func add(priorVariance s2: Double, mean m: Double, variance u: Double) {
            let s = s2.squareRoot()
            let a = 0.5 * (1 - s2 / u), b = s * m / u, g = -0.5 * m * m / u + 0.5 * Foundation.log(s2 / u)
            alpha.append(a); beta.append(b); gamma += g
            let bound = NormalQuantiles.bound
            var top = Swift.max(a * bound * bound + b * bound, a * bound * bound - b * bound)
            if a < 0 { let v = Swift.min(Swift.max(-b / (2 * a), -bound), bound); top = Swift.max(top, (a * v + b) * v) }
            maxima.append(top)
            klNats += GaussianKL.nats(mean: m, variance: u, priorVariance: s2)
        }

        /// suffix[u] = maxima[u] + ... + maxima[d - 1] (plus a rounding margin), d + 1 entries.
        var suffix: [Double] {
            var out = [Double](repeating: 0, count: maxima.count + 1)
            for u in stride(from: maxima.count - 1, through: 0, by: -1) { out[u] = out[u + 1] + maxima[u] + 1e-9 * (1 + Swift.abs(maxima[u])) }
            return out
        }
    }

    /// The Poisson functional representation's search over at most `limit` candidates:
    /// the index K (1-based) of the smallest ln T_n - ln r(x_n), and whether the bound ended it.
    /// (Pruning only skips candidates that cannot win: K is that of the full search.)
    static func search(_ ratio: Ratio, key: UInt64, limit: Int) -> (index: Int, truncated: Bool) {
        let d = ratio.alpha.count, suffix = ratio.suffix
        let logMaximum = ratio.gamma + suffix[0]
        var best = Double.infinity, chosen = 1, arrival = 0.0
        let exponential = NormalQuantiles.exponentialTable
        return NormalQuantiles.table.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            return exponential.withUnsafeBufferPointer { e in
            ratio.alpha.withUnsafeBufferPointer { alpha in
                ratio.beta.withUnsafeBufferPointer { beta in
                    suffix.withUnsafeBufferPointer { suffix in
                        // ln T_n, refreshed every 16 candidates: a lower bound between refreshes
                        // (T only grows), which makes the pruning and stopping tests conservative
                        var logTLow = -Double.infinity
                        for n in 1...limit {
                            let base = SimulationRandom.candidateBase(key: key, n: n)
                            arrival += SimulationRandom.exponential(base: base, e.baseAddress!)
                            if n & 15 == 1 {
                                logTLow = Foundation.log(arrival)
                                if logTLow - logMaximum > best { return (chosen, false) }
                            }
                            let needed = logTLow - best   // a winner has ln r > needed
                            var lr = ratio.gamma, u = 0, p = 1
                            while u < d {
                                if lr + suffix[u] <= needed { break }
                                let (g0, g1) = SimulationRandom.normalPair(SimulationRandom.word(base: base, p), t)
                                lr += (alpha[u] * g0 + beta[u]) * g0
                                if u + 1 < d { lr += (alpha[u + 1] * g1 + beta[u + 1]) * g1 }
                                u += 2; p += 1
                            }
                            if u >= d {
                                let logT = Foundation.log(arrival)
                                if logT - lr < best { best = logT - lr; chosen = n }
                            }
                        }
                        return (chosen, true)
                    }
                }
            }
            }
        }
    }

    /// Encodes one example: posterior means `mu` and log-variances `logVariance` of its
    /// standardized latent (prior N(0, I)), [dimensions] each, the example's number `example`
    /// (which keys its randomness). Deterministic: the same inputs give the same choices on any
    /// thread count. With `threads` > 1 (one large example: a photograph's latent map) each
    /// round's blocks are searched in parallel, rounds in order: the blocks of one round hold
    /// different dimensions, so none reads what another writes.
    public static func encode(mu: [Double], logVariance: [Double], example: Int, plan: ChannelSimulationPlan, threads: Int = 1) -> Example {
        precondition(mu.count == plan.dimensions && logVariance.count == plan.dimensions,
                     "ChannelSimulation.encode: \(mu.count) means and \(logVariance.count) log-variances for \(plan.dimensions) dimensions")
        var state = (0..<plan.dimensions).map { Refinement(mean: mu[$0], variance: Foundation.exp(logVariance[$0])) }
        var z = [Double](repeating: 0, count: plan.dimensions)
        var blocks = [Block](repeating: Block(index: 1, klBits: 0, truncated: false), count: plan.blocks.count)
        state.withUnsafeMutableBufferPointer { state in
            z.withUnsafeMutableBufferPointer { z in
                blocks.withUnsafeMutableBufferPointer { out in
                    let (state, z, out) = (state, z, out)   // chunks touch disjoint dimensions and slots
                    func run(_ range: Range<Int>) {
                        var g: [Double] = []
                        for b in range { out[b] = encodeBlock(b, example: example, plan: plan, state: state, z: z, normals: &g) }
                    }
                    var start = 0
                    while start < plan.blocks.count {   // a round: blocks whose units take the same step
                        let round = plan.blocks[start][0].step
                        var end = start + 1
                        while end < plan.blocks.count, plan.blocks[end][0].step == round { end += 1 }
                        let count = end - start, chunks = Swift.max(1, Swift.min(threads, count))
                        if chunks == 1 {
                            run(start..<end)
                        } else {
                            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                                run((start + c * count / chunks)..<(start + (c + 1) * count / chunks))
                            }
                        }
                        start = end
                    }
                }
            }
        }
        return Example(blocks: blocks, latent: z)
    }

    /// Block `b` of example `example`: its target from the running posteriors of its units'
    /// dimensions (`state`), the search, then the chosen candidate added to `z` and conditioned
    /// on. Reads and writes only its own dimensions' entries.
    static func encodeBlock(_ b: Int, example: Int, plan: ChannelSimulationPlan, state: UnsafeMutableBufferPointer<Refinement>,
                            z: UnsafeMutableBufferPointer<Double>, normals g: inout [Double]) -> Block {
        let units = plan.blocks[b]
        var ratio = Ratio()
        var targets: [(c: Double, u: Double)] = []
        targets.reserveCapacity(units.count)
        for unit in units {
            let s2 = plan.stepVariance[unit.dimension][unit.step]
            let t = state[unit.dimension].target(stepVariance: s2, remaining: plan.remainingVariance[unit.dimension][unit.step])
            ratio.add(priorVariance: s2, mean: t.mean, variance: t.variance)
            targets.append((t.c, t.variance))
        }
        let key = SimulationRandom.key(seed: plan.seed, example: example, block: b)
        let (k, truncated) = search(ratio, key: key, limit: plan.candidateCount)
        SimulationRandom.normals(key: key, n: k, count: units.count, into: &g)
        for (u, unit) in units.enumerated() {
            let a = plan.stepVariance[unit.dimension][unit.step].squareRoot() * g[u]
            z[unit.dimension] += a
            state[unit.dimension].condition(on: a, c: targets[u].c, targetVariance: targets[u].u)
        }
        return Block(index: k, klBits: ratio.klNats / Foundation.log(2), truncated: truncated)
    }

    /// The latent the decoder regenerates from the blocks' indices (1...N each) of example
    /// `example`: z_i = sum over its steps of s_j g_j(K_block). Shapes: [blocks] -> [dimensions].
    public static func decode(indices: [Int], example: Int, plan: ChannelSimulationPlan) -> [Double] {
        precondition(indices.count == plan.blocks.count, "ChannelSimulation.decode: \(indices.count) indices for \(plan.blocks.count) blocks")
        var z = [Double](repeating: 0, count: plan.dimensions), g: [Double] = []
        for (b, units) in plan.blocks.enumerated() {
            let key = SimulationRandom.key(seed: plan.seed, example: example, block: b)
            SimulationRandom.normals(key: key, n: indices[b], count: units.count, into: &g)
            for (u, unit) in units.enumerated() {
                z[unit.dimension] += plan.stepVariance[unit.dimension][unit.step].squareRoot() * g[u]
            }
        }
        return z
    }
}

extension ChannelSimulation {
    /// Encodes every example of row-major `mu` and `logVariance` [examples, dimensions] (row e
    /// is example `firstExample + e`), spreading contiguous chunks of examples over `threads`
    /// threads. Each example depends only on its own inputs and number, so the result is the
    /// same at any thread count.
    public static func encode(mu: [Double], logVariance: [Double], firstExample: Int = 0, plan: ChannelSimulationPlan, threads: Int) -> [Example] {
        let k = plan.dimensions, n = mu.count / k
        precondition(mu.count == n * k && logVariance.count == mu.count, "ChannelSimulation.encode: \(mu.count) means and \(logVariance.count) log-variances are not rows of \(k)")
        let chunks = Swift.max(1, Swift.min(threads, n))
        var out = [Example?](repeating: nil, count: n)
        out.withUnsafeMutableBufferPointer { slots in
            let slots = slots   // each chunk writes only its own rows
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for e in (c * n / chunks)..<((c + 1) * n / chunks) {
                    slots[e] = encode(mu: Array(mu[(e * k)..<((e + 1) * k)]), logVariance: Array(logVariance[(e * k)..<((e + 1) * k)]),
                                      example: firstExample + e, plan: plan)
                }
            }
        }
        return out.map { $0! }
    }
}
