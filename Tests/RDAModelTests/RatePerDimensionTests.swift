import Testing
import Foundation
import RDACore
import RDAModel

@Suite("Rate per latent dimension and the water-filling allocation")
struct RatePerDimensionTests {
    @Test func handValuesPerDimension() {
        // Dimension 0: KL(N(1,1)||N(0,1)) = 1/2 and KL(N(0,1)||N(0,1)) = 0, mean 1/4.
        // Dimension 1: KL(N(0,4)||N(0,1)) = 1/2 (4 - 1 - ln 4) twice.
        let mu = Tensor(shape: [2, 2], values: [1, 0, 0, 0])
        let lv = Tensor(shape: [2, 2], values: [0, Float(Foundation.log(4.0)), 0, Float(Foundation.log(4.0))])
        let r = Rate.closedFormPerDimension(mu: mu, logvar: lv, prior: Prior(kind: .standard, latentDim: 2))
        #expect(r.count == 2)
        #expect(Swift.abs(r[0] - 0.25) < 1e-6)
        #expect(Swift.abs(r[1] - 0.5 * (3 - Foundation.log(4.0))) < 1e-6)
    }

    @Test(arguments: [false, true])
    func dimensionsSumToTheClosedForm(_ learned: Bool) {
        let k = 5, n = 7
        let prior = Prior(kind: learned ? .learned : .standard, latentDim: k)
        var rng = SeededGenerator(seed: 11)
        if learned {
            for i in 0..<k { prior.mu.data[i] = rng.nextFloat() - 0.5; prior.logSigma.data[i] = 0.6 * (rng.nextFloat() - 0.5) }
        }
        let mu = Tensor.randomUniform([n, k], low: -2, high: 2, using: &rng)
        let lv = Tensor.randomUniform([n, k], low: -2, high: 1, using: &rng)
        let perDim = Rate.closedFormPerDimension(mu: mu, logvar: lv, prior: prior)
        let total = withoutGradients { Rate.closedForm(mu: mu, logvar: lv, prior: prior).values }.reduce(0.0) { $0 + Double($1) } / Double(n)
        #expect(Swift.abs(perDim.reduce(0, +) - total) < 1e-4 * Swift.max(1, total), "per-dimension sum \(perDim.reduce(0, +)) vs closed form \(total)")
        #expect(perDim.allSatisfy { $0 >= -1e-6 }, "a KL term is never negative: \(perDim)")
        // One dimension at a time: the closed form of that column alone.
        for j in 0..<k {
            let column = { (t: Tensor) in Tensor(shape: [n, 1], values: (0..<n).map { t.data[$0 * k + j] }) }
            let p1 = Prior(kind: prior.kind, latentDim: 1)
            p1.mu.data[0] = prior.mu.data[j]; p1.logSigma.data[0] = prior.logSigma.data[j]
            let alone = withoutGradients { Rate.closedForm(mu: column(mu), logvar: column(lv), prior: p1).values }.reduce(0.0) { $0 + Double($1) } / Double(n)
            #expect(Swift.abs(perDim[j] - alone) < 1e-4 * Swift.max(1, alone))
        }
    }

    @Test func allocationIsTheOptimumSplitByComponent() {
        let g = GaussianRateDistortion(variances: [4, 2, 1, 0.5, 0.25])
        for lambda in [0.25, 1.0, 4.0] {
            let a = g.allocation(lambda: lambda), p = g.optimum(lambda: lambda)
            let theta = 1 / (2 * lambda)
            #expect(Swift.abs(a.map(\.rateNats).reduce(0, +) - p.rateNats) < 1e-12)
            #expect(Swift.abs(a.map(\.distortion).reduce(0, +) - p.distortion) < 1e-12)
            for c in a {
                if c.variance <= theta { #expect(c.rateNats == 0 && c.distortion == c.variance) }
                else { #expect(c.distortion == theta && Swift.abs(c.rateNats - 0.5 * Foundation.log(c.variance / theta)) < 1e-12) }
            }
        }
        // lambda 1: theta 1/2, so the components 0.5 and 0.25 get no rate.
        #expect(g.allocation(lambda: 1).filter { $0.rateNats > 0 }.count == 3)
    }
}
