import Foundation
import Testing
@testable import RDACoding

/// Channel simulation of Gaussian posteriors: the decoded latents follow the posterior, the
/// decoder regenerates the encoder's latent exactly at any thread count, the index costs about
/// the KL, and damaged parameters and records are refused.
@Suite struct ChannelSimulationTests {
    /// `n` examples of one posterior (mu, ln s^2) per dimension, rows [n, K].
    func repeated(_ mu: [Double], _ lv: [Double], _ n: Int) -> (mu: [Double], lv: [Double]) {
        (Array((0..<n).map { _ in mu }.joined()), Array((0..<n).map { _ in lv }.joined()))
    }

    func plan(_ mu: [Double], _ lv: [Double], k: Int, blockBits: Int, candidateBits: Int, seed: UInt64 = 7) throws -> ChannelSimulationPlan {
        let f = ChannelSimulationPlan.figures(mu: mu, logVariance: lv, dimensions: k)
        return try ChannelSimulationPlan(blockBits: blockBits, candidateBits: candidateBits, seed: seed, meanKL: f.meanKL, precisionBits: f.precisionBits)
    }

    /// Kolmogorov-Smirnov distance of `xs` from N(mu, s^2).
    func ks(_ xs: [Double], mu: Double, s: Double) -> Double {
        let sorted = xs.sorted(), n = Double(xs.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let f = normalCDF((x - mu) / s)
            d = max(d, abs(f - Double(i) / n), abs(Double(i + 1) / n - f))
        }
        return d
    }

    /// Decoded latents of a known posterior pass, per dimension, a KS test at the 0.1% level
    /// (critical distance 1.95 / sqrt(n)) and moment tests at 4.5 standard errors (mean: s /
    /// sqrt(n); variance: s^2 sqrt(2 / (n - 1))). Dimension 1 (6.5 bits at B = 4) is split into
    /// two steps; dimension 2 is nearly the prior. The test can fail: a coder that returned mu,
    /// or one 30% too wide, fails (checked below).
    @Test func decodedLatentsFollowThePosterior() throws {
        let n = 3000
        let mu = [0.8, 1.5, -0.1], s = [0.3, 0.02, 0.95]
        let lv = s.map { 2 * log($0) }
        let (m, l) = repeated(mu, lv, n)
        let p = try plan(m, l, k: 3, blockBits: 4, candidateBits: 12)
        #expect(p.steps == [1, 2, 1])
        let examples = ChannelSimulation.encode(mu: m, logVariance: l, plan: p, threads: 2)
        for i in 0..<3 {
            let z = examples.map { $0.latent[i] }
            let mean = z.reduce(0, +) / Double(n)
            let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            #expect(abs(mean - mu[i]) < 4.5 * s[i] / Double(n).squareRoot(), "dimension \(i): mean \(mean) vs \(mu[i])")
            #expect(abs(variance - s[i] * s[i]) < 4.5 * s[i] * s[i] * (2 / Double(n - 1)).squareRoot(), "dimension \(i): variance \(variance) vs \(s[i] * s[i])")
            #expect(ks(z, mu: mu[i], s: s[i]) < 1.95 / Double(n).squareRoot(), "dimension \(i): KS")
            // the test's power: the same latents fail it against a distribution 30% wider
            #expect(ks(z, mu: mu[i], s: 1.3 * s[i]) > 1.95 / Double(n).squareRoot(), "dimension \(i): KS power")
        }
    }

    /// What the decoder regenerates from the stored bytes (parameters and one record per
    /// example) equals the encoder's latent bit for bit, and 1 and 2 threads choose the same.
    @Test func decoderRegeneratesTheEncodersLatentAtAnyThreadCount() throws {
        var rng = TestGenerator(seed: 3)
        let k = 6, n = 64
        let mu = (0..<(n * k)).map { _ in Double.random(in: -2...2, using: &rng) }
        let lv = (0..<(n * k)).map { _ in Double.random(in: -7...0.2, using: &rng) }
        let p = try plan(mu, lv, k: k, blockBits: 6, candidateBits: 10)
        let one = ChannelSimulation.encode(mu: mu, logVariance: lv, plan: p, threads: 1)
        let two = ChannelSimulation.encode(mu: mu, logVariance: lv, plan: p, threads: 2)
        #expect(one == two)
        let stored = ChannelSimulationParameters(plan: p, examples: one)
        let read = try ChannelSimulationParameters(bytes: stored.bytes)
        #expect(read == stored)
        for (e, example) in one.enumerated() {
            let indices = try read.decode(stored.encode([example]), count: 1)[0]
            #expect(indices == example.blocks.map(\.index))
            #expect(ChannelSimulation.decode(indices: indices, example: e, plan: read.plan) == example.latent)
        }
        // several examples in one record
        #expect(try read.decode(stored.encode(one), count: n) == one.map { $0.blocks.map(\.index) })
    }

    /// On synthetic posteriors (random means and variances, about 18 bits per example) the
    /// coded bits per example stay between 0.8 KL and KL + sum over blocks of
    /// (log2(KL_b + 1) + 2) + 1 (the PFR's bound plus a bit for the range coder's termination).
    @Test func bitsAreCloseToTheKL() throws {
        var rng = TestGenerator(seed: 11)
        let k = 8, n = 400
        let mu = (0..<(n * k)).map { _ in Double.random(in: -1.2...1.2, using: &rng) }
        let lv = (0..<(n * k)).map { _ in Double.random(in: -5 ... -3, using: &rng) }
        let p = try plan(mu, lv, k: k, blockBits: 8, candidateBits: 14)
        let examples = ChannelSimulation.encode(mu: mu, logVariance: lv, plan: p, threads: 2)
        let stored = ChannelSimulationParameters(plan: p, examples: examples)
        let bits = Double(8 * stored.encode(examples).count) / Double(n)
        let kl = examples.reduce(0.0) { $0 + $1.blocks.reduce(0) { $0 + $1.klBits } } / Double(n)
        let bound = kl + examples.reduce(0.0) { $0 + $1.blocks.reduce(0) { $0 + log2($1.klBits + 1) + 2 } } / Double(n) + 1
        #expect(kl > 12 && kl < 24, "KL \(kl)")
        #expect(bits > 0.8 * kl && bits < bound, "bits \(bits), KL \(kl), bound \(bound)")
    }

    /// The plan covers every step of every dimension once, in order, with step variances
    /// summing to the prior's 1, and block loads within B.
    @Test func planCoversEveryStepOnce() throws {
        let kl: [UInt16] = [0, 300, 2560, 5000, 40000, 1]
        let p = try ChannelSimulationPlan(blockBits: 10, candidateBits: 14, seed: 1, meanKL: kl, precisionBits: [0, 500, 3000, 6000, 30000, 0])
        var seen: [[Int]] = Array(repeating: [], count: kl.count)
        for block in p.blocks {
            #expect(Set(block.map(\.dimension)).count == block.count)
            for u in block { seen[u.dimension].append(u.step) }
        }
        for i in kl.indices {
            #expect(seen[i] == Array(0..<p.steps[i]))
            #expect(abs(p.stepVariance[i].reduce(0, +) - 1) < 1e-12)
            #expect(p.stepVariance[i].allSatisfy { $0 > 0 })
        }
        #expect(p.steps == [1, 1, 1, 2, 16, 1])
    }

    /// Damaged parameters are refused with one-line errors before anything is allocated from them.
    @Test func damagedParametersAreRefused() throws {
        let p = try ChannelSimulationPlan(blockBits: 6, candidateBits: 9, seed: 5, meanKL: [700, 200], precisionBits: [900, 100])
        let example = ChannelSimulation.encode(mu: [1, 0.2], logVariance: [-3, -0.5], example: 0, plan: p)
        let bytes = ChannelSimulationParameters(plan: p, examples: [example]).bytes
        func kind(_ b: [UInt8]) -> RDACodingError.Kind? {
            do { _ = try ChannelSimulationParameters(bytes: b); return nil } catch let e as RDACodingError {
                #expect(!e.message.contains("\n"))
                return e.kind
            } catch { return nil }
        }
        #expect(kind(Array(bytes.dropLast())) != nil)
        #expect(kind(bytes + [0]) == .trailingData)
        var version = bytes; version[0] = 9
        #expect(kind(version) == .invalidHeader)
        var blockBits = bytes; blockBits[1] = 30
        #expect(kind(blockBits) == .invalidHeader)
        var huge = Array(bytes[0..<11]); LEB128.append(1 << 40, to: &huge)
        #expect(kind(huge) == .invalidHeader)
        var many = Array(bytes[0..<11]); LEB128.append(60000, to: &many)
        #expect(kind(many) == .truncated)
        for cut in 0..<bytes.count { #expect(kind(Array(bytes[0..<cut])) != nil) }
    }

    /// Arbitrary bytes as parameters or as a record never crash: they decode to valid indices
    /// (1...N, which regenerate a latent) or throw a one-line error.
    @Test func arbitraryBytesNeverCrash() throws {
        var rng = TestGenerator(seed: 21)
        let p = try ChannelSimulationPlan(blockBits: 5, candidateBits: 9, seed: 2, meanKL: [900, 300, 20], precisionBits: [1200, 200, 0])
        let example = ChannelSimulation.encode(mu: [1.4, -0.3, 0.1], logVariance: [-4, -1, -0.05], example: 0, plan: p)
        let stored = ChannelSimulationParameters(plan: p, examples: [example])
        let bytes = stored.bytes
        for trial in 0..<2000 {
            var b = bytes
            for _ in 0..<(1 + trial % 4) { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = try? ChannelSimulationParameters(bytes: b)
            let record = (0..<Int.random(in: 0...12, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let rows = try? stored.decode(record, count: 2) {
                for (e, row) in rows.enumerated() {
                    #expect(row.allSatisfy { (1...p.candidateCount).contains($0) })
                    let z = ChannelSimulation.decode(indices: row, example: e, plan: p)
                    #expect(z.allSatisfy { $0.isFinite })
                }
            }
        }
    }
}

/// One large example encoded with each round's blocks in parallel makes the one-thread
/// encoder's choices and latent, at any thread count.
@Suite struct ChannelSimulationLargeExampleTests {
    @Test func parallelRoundsMakeTheSequentialChoices() throws {
        var rng = TestGenerator(seed: 9)
        let k = 300
        let mu = (0..<k).map { _ in Double.random(in: -3...3, using: &rng) }
        let lv = (0..<k).map { _ in Double.random(in: -9...0.2, using: &rng) }
        let f = ChannelSimulationPlan.figures(mu: mu, logVariance: lv, dimensions: k)
        let plan = try ChannelSimulationPlan(blockBits: 5, candidateBits: 9, seed: 4, meanKL: f.meanKL, precisionBits: f.precisionBits)
        #expect(plan.steps.max()! >= 2, "the plan has one round only: the test checks no ordering across rounds")
        let sequential = ChannelSimulation.encode(mu: mu, logVariance: lv, example: 3, plan: plan)
        for threads in [1, 2, 3, 8] {
            #expect(ChannelSimulation.encode(mu: mu, logVariance: lv, example: 3, plan: plan, threads: threads) == sequential, "\(threads) threads")
        }
        #expect(ChannelSimulation.decode(indices: sequential.blocks.map(\.index), example: 3, plan: plan) == sequential.latent)
    }
}
