import Testing
import Foundation
import RDACore
import RDATestSupport
@testable import RDAModel

@Suite("Discretized logistic likelihood of 8-bit pixels")
struct DiscretizedLogisticTests {
    static let cases: [(mean: Double, logScale: Double)] = [(0.3, -3), (0, -6), (0.77, -1), (1, -8), (-0.2, -4), (1.3, -2.5), (0.5, 2)]

    /// The masses of the 256 levels sum to one, for any mean and scale (the edge bins take the tails).
    @Test func massesSumToOne() {
        for (mu, l) in Self.cases {
            var total = 0.0
            for k in 0...255 { total += exp(DiscretizedLogistic.logMass(level: k, mean: mu, logScale: l)) }
            #expect(Swift.abs(total - 1) < 1e-12, "mean \(mu) log-scale \(l): \(total)")
        }
    }

    /// Each mass is the difference of the logistic's distribution function at the bin's edges
    /// (the closed form, computed naively where it has no cancellation), and the cumulative the
    /// coding tables use is that distribution function.
    @Test func massIsTheDifferenceOfTheDistributionFunction() {
        func cdf(_ x: Double, _ mu: Double, _ s: Double) -> Double { 1 / (1 + exp(-(x - mu) / s)) }
        for (mu, l) in [(0.4, -3.0), (0.55, -2.0), (0.1, -1.0)] {
            let s = exp(l)
            for k in [0, 1, 60, 100, 140, 200, 254, 255] {
                let lo = k == 0 ? 0 : cdf((Double(k) - 0.5) / 255, mu, s), hi = k == 255 ? 1 : cdf((Double(k) + 0.5) / 255, mu, s)
                let mass = exp(DiscretizedLogistic.logMass(level: k, mean: mu, logScale: l))
                #expect(Swift.abs(mass - (hi - lo)) < 1e-12, "k \(k): \(mass) vs \(hi - lo)")
                #expect(Swift.abs(DiscretizedLogistic.cumulative(level: k, mean: mu, logScale: l) - lo) < 1e-15)
            }
        }
    }

    /// Far in a tail the mass keeps its relative precision (no 1 - 1 cancellation).
    @Test func farTailIsFinite() {
        let v = DiscretizedLogistic.logMass(level: 255, mean: 0, logScale: -7)
        #expect(v.isFinite && v < -200)
        let w = DiscretizedLogistic.logMass(level: 128, mean: 0, logScale: -7)
        #expect(w.isFinite && w < -200)
    }

    /// The distortion's gradients (by means and log-scales, the clamp included) match finite differences.
    @Test func gradientsMatchFiniteDifferences() {
        let n = 3, d = 5
        var rng = SeededGenerator(seed: 4)
        let levels = [0, 255, 17, 128, 200, 0, 3, 99, 254, 255, 1, 60, 180, 220, 40]
        let y = Tensor(shape: [n, d], values: levels.map { Float($0) / 255 })
        var params = [Float]()
        for _ in 0..<n {
            params += (0..<d).map { _ in Float.random(in: -0.1...1.1, using: &rng) }
            params += (0..<d).map { _ in Float.random(in: -3 ... -1, using: &rng) }
        }
        params[2 * d - 1] = -9   // clamped: no gradient, no change
        let p = Tensor(shape: [n, 2 * d], values: params)
        checkGradients([p], eps: 3e-3, rtol: 2e-2, atol: 5e-3) { DistortionKind.discretizedLogistic.perExample(y, $0[0]) }
    }

    /// The per-example distortion is the sum of -ln P over the pixels, and the evaluator's reading
    /// (`DiscretizedLikelihood`) is the same number.
    @Test func perExampleIsTheSumOfTheLogMasses() {
        let y = Tensor(shape: [1, 3], values: [0, 128 / 255, 1])
        let p = Tensor(shape: [1, 6], values: [0.1, 0.5, 0.9, -3, -2, -4])
        let got = Double(DistortionKind.discretizedLogistic.perExample(y, p).data[0])
        var want = 0.0
        for j in 0..<3 { want -= DiscretizedLogistic.logMass(y: Double(y.data[j]), mean: Double(p.data[j]), logScale: Double(p.data[3 + j])) }
        #expect(Swift.abs(got - want) < 1e-5 * want)
        #expect(Swift.abs(DiscretizedLikelihood.negativeLogMass(.discretizedLogistic, lambda: 1, y: y.data, yHat: p.data, count: 3) - want) < 1e-9)
        #expect(DistortionKind.discretizedLogistic.logNormalizer(lambda: 1, dimensions: 3) == 0)
    }
}
