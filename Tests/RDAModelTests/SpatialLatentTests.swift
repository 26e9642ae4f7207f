import Testing
import Foundation
import RDACore
import RDATestSupport
@testable import RDAModel

/// Latents of any shape: C channels at P positions, priors per channel shared over positions.
/// A map's channel behaves exactly as P dense dimensions whose priors are that channel's, and its
/// prior's gradient is the sum over the positions (finite differences).
@Suite("Latent maps: a prior per latent channel, shared over positions")
struct SpatialLatentTests {
    let map = LatentShape(channels: 2, positions: 3)

    @Test func repeatingRowsCopiesAndSumsGradients() {
        var rng = SeededGenerator(seed: 3)
        let t = Tensor.randomNormal([2, 3], using: &rng)
        let r = t.repeatingEachRow(4)
        #expect(r.shape == [8, 3])
        for row in 0..<8 { for j in 0..<3 { #expect(r.data[row * 3 + j] == t.data[(row / 4) * 3 + j]) } }
        #expect(t.repeatingEachRow(1) === t)
        checkGradients([Tensor.randomNormal([3], using: &rng)]) { xs in xs[0].repeatingEachRow(5).square() }
        checkGradients([Tensor.randomNormal([2, 2], using: &rng)]) { xs in xs[0].repeatingEachRow(3).exp() }
    }

    @Test func gaussianMapEqualsDenseDimensionsWithRepeatedPriors() throws {
        var rng = SeededGenerator(seed: 4)
        let spatial = GaussianBottleneck(prior: .learned, latent: map)
        let dense = GaussianBottleneck(prior: .learned, latentDim: map.count)
        #expect(spatial.prior.mu.shape == [2] && spatial.namedParameters.map(\.tensor.shape) == [[2], [2]])
        for c in 0..<2 {
            spatial.prior.mu.data[c] = Float(c) - 0.3; spatial.prior.logSigma.data[c] = 0.2 * Float(c) - 0.1
            for p in 0..<3 { dense.prior.mu.data[c * 3 + p] = spatial.prior.mu.data[c]; dense.prior.logSigma.data[c * 3 + p] = spatial.prior.logSigma.data[c] }
        }
        let h = Tensor.randomNormal([5, 2 * map.count], using: &rng)
        let eps = Tensor.randomNormal([5, map.count], using: &rng)
        for mode in [BottleneckMode.evaluation, .training] {
            let a = withoutGradients { spatial.transmit(h, noise: eps, mode: mode) }
            let b = withoutGradients { dense.transmit(h, noise: eps, mode: mode) }
            #expect(a.rate.values == b.rate.values && a.z.values == b.z.values)
        }
        #expect(withoutGradients { spatial.priorDraw(eps) }.values == withoutGradients { dense.priorDraw(eps) }.values)
        // the per-channel prior's gradient through the closed-form rate and the Monte Carlo rate
        let mu = h.slice(0..<map.count, axis: 1), logvar = h.slice(map.count..<(2 * map.count), axis: 1)
        checkGradients([spatial.prior.mu, spatial.prior.logSigma]) { _ in Rate.closedForm(mu: mu, logvar: logvar, prior: spatial.prior) }
        let z = mu + logvar.scaled(by: 0.5).exp() * eps
        checkGradients([spatial.prior.mu, spatial.prior.logSigma]) { _ in Rate.monteCarlo(z: z, eps: eps, logvar: logvar, prior: spatial.prior) }
        // evaluation splits the rate by channel: C entries summing to the rate
        var stats = spatial.evaluationStatistics(examples: 5, exampleShape: [4], miExamples: 5)
        stats.add(withoutGradients { spatial.transmit(h, noise: eps, mode: .evaluation) }, examples: Tensor(zeros: [5, 4]), range: 0..<5)
        let perChannel = try #require(stats.finish().ratePerDimNats)
        let mean = withoutGradients { Rate.closedForm(mu: mu, logvar: logvar, prior: spatial.prior) }.values.reduce(0.0) { $0 + Double($1) } / 5
        #expect(perChannel.count == 2 && Swift.abs(perChannel.reduce(0, +) - mean) < 1e-4)
    }

    @Test func quantizedMapCodesWithOneTablePerChannel() throws {
        var rng = SeededGenerator(seed: 5)
        let spatial = QuantizedBottleneck(latent: map, components: 2)
        let dense = QuantizedBottleneck(latentDim: map.count, components: 2)
        #expect(spatial.logits.shape == [2, 2])
        for c in 0..<2 {
            for m in 0..<2 {
                let (w, l, s) = (0.3 * Float(m) - 0.1 * Float(c), Float(c) + Float(m) - 1, 0.4 * Float(c) - 0.2)
                spatial.logits.data[c * 2 + m] = w; spatial.loc.data[c * 2 + m] = l; spatial.logScale.data[c * 2 + m] = s
                for p in 0..<3 {
                    let row = (c * 3 + p) * 2 + m
                    dense.logits.data[row] = w; dense.loc.data[row] = l; dense.logScale.data[row] = s
                }
            }
        }
        let h = Tensor.randomNormal([6, map.count], using: &rng).scaled(by: 2)
        let a = withoutGradients { spatial.transmit(h, noise: nil, mode: .evaluation) }
        let b = withoutGradients { dense.transmit(h, noise: nil, mode: .evaluation) }
        #expect(a.rate.values == b.rate.values)
        checkGradients([spatial.logits, spatial.loc, spatial.logScale]) { _ in spatial.rate(h) }
        // one stored table per channel, used at each of its positions
        let stored = spatial.namedIntegerTensors.first { $0.name == "table_offsets" }
        #expect(stored?.shape == [2])
        let tables = spatial.codingTables.tables
        #expect(tables.count == 6 && tables[0] == tables[2] && tables[3] == tables[5])
        #expect(spatial.codingTables == dense.codingTables)
        let symbols = spatial.symbols(a.z)
        let rows = (0..<6).map { Array(symbols[($0 * 6)..<(($0 + 1) * 6)]) }
        #expect(try spatial.codingTables.decode(spatial.codingTables.encode(rows: rows), rows: 6) == rows)
        // the stored tables load back into a map's channel
        let named = Dictionary(uniqueKeysWithValues: spatial.namedIntegerTensors.map { ($0.name, ($0.shape, $0.values)) })
        let reloaded = QuantizedBottleneck(latent: map, components: 2)
        try reloaded.loadIntegerTensors { named[$0].map { (shape: $0.0, values: $0.1) } }
        #expect(reloaded.codingTables == spatial.codingTables)
    }

    @Test func settingsGiveThePerChannelShapes() throws {
        #expect(try GaussianChannelSettings(prior: .learned).parameterShapes(latent: map) == ["mu": [2], "log_sigma": [2]])
        #expect(try QuantizedChannelSettings(components: 4).parameterShapes(latent: map)["loc"] == [2, 4])
        #expect(GaussianChannelSettings().describe(latent: map).encoderOutputs == 12)
    }
}
