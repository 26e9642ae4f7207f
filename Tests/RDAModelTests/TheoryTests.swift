import Testing
import Foundation
import RDACore
import RDAModel

@Suite("Rate, distortion and the Gaussian bound")
struct TheoryTests {
    func learnedPrior(_ k: Int, seed: UInt64) -> Prior {
        let p = Prior(kind: .learned, latentDim: k)
        var rng = SeededGenerator(seed: seed)
        for i in 0..<k { p.mu.data[i] = rng.nextFloat() - 0.5; p.logSigma.data[i] = 0.6 * (rng.nextFloat() - 0.5) }
        return p
    }

    @Test func closedFormHandValues() {
        let standard = Prior(kind: .standard, latentDim: 2)
        // KL(N(0,1)||N(0,1)) = 0; KL(N(1,1)||N(0,1)) = 1/2; KL(N(0,4)||N(0,1)) = 1/2 (4 - 1 - ln 4)
        let mu = Tensor(shape: [3, 2], values: [0, 0, 1, 0, 0, 0])
        let lv = Tensor(shape: [3, 2], values: [0, 0, 0, 0, Float(Foundation.log(4.0)), 0])
        let r = Rate.closedForm(mu: mu, logvar: lv, prior: standard).values
        expectNear(r[0], 0); expectNear(r[1], 0.5); expectNear(r[2], Float(0.5 * (3 - Foundation.log(4.0))))
        // learned prior N(1, 2^2), posterior N(1, 2^2): KL 0
        let p = Prior(kind: .learned, latentDim: 1)
        p.mu.data[0] = 1; p.logSigma.data[0] = Float(Foundation.log(2.0))
        let same = Rate.closedForm(mu: Tensor(shape: [1, 1], values: [1]), logvar: Tensor(shape: [1, 1], values: [Float(Foundation.log(4.0))]), prior: p)
        expectNear(same.scalar, 0)
    }

    @Test(arguments: [false, true])
    func monteCarloAveragesToClosedForm(_ learned: Bool) {
        let k = 4
        let prior = learned ? learnedPrior(k, seed: 5) : Prior(kind: .standard, latentDim: k)
        var rng = SeededGenerator(seed: 6)
        let mu = Tensor.randomUniform([1, k], low: -1, high: 1, using: &rng)
        let lv = Tensor.randomUniform([1, k], low: -1, high: 0.5, using: &rng)
        let closed = Double(Rate.closedForm(mu: mu, logvar: lv, prior: prior).scalar)
        let n = 40_000
        let muN = Tensor.concat(Array(repeating: mu, count: n), axis: 0), lvN = Tensor.concat(Array(repeating: lv, count: n), axis: 0)
        let eps = Tensor.randomNormal([n, k], using: &rng)
        let z = Channel.transmit(mu: muN, logvar: lvN, eps: eps)
        let mc = Rate.monteCarlo(z: z, eps: eps, logvar: lvN, prior: prior).values.map(Double.init)
        let mean = mc.reduce(0, +) / Double(n)
        let sd = (mc.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
        #expect(Swift.abs(mean - closed) < 4 * sd / Double(n).squareRoot() + 1e-4, "MC \(mean) vs closed \(closed)")
    }

    @Test func closedFormGradientsMatchFiniteDifferences() {
        let prior = learnedPrior(3, seed: 7)
        var rng = SeededGenerator(seed: 8)
        let mu = Tensor.randomUniform([2, 3], low: -1, high: 1, using: &rng).requiringGrad()
        let lv = Tensor.randomUniform([2, 3], low: -1, high: 1, using: &rng).requiringGrad()
        let loss = { Rate.closedForm(mu: mu, logvar: lv, prior: prior).sum() }
        loss().backward()
        for t in [mu, lv, prior.mu, prior.logSigma] {
            for i in 0..<t.count {
                let old = t.data[i]
                t.data[i] = old + 1e-2; let a = withoutGradients { loss().scalar }
                t.data[i] = old - 1e-2; let b = withoutGradients { loss().scalar }
                t.data[i] = old
                let numeric = (a - b) / 2e-2
                #expect(Swift.abs(numeric - t.grad!.data[i]) < 1e-2 * Swift.max(1, Swift.abs(numeric)))
            }
        }
    }

    @Test func distortionAndVAENormalizers() {
        let y = Tensor(shape: [1, 3], values: [0, 0.5, 1]), yh = Tensor(shape: [1, 3], values: [0.5, 0.5, 0])
        #expect(DistortionKind.l2.perExample(y, yh).scalar == 1.25)
        #expect(DistortionKind.l1.perExample(y, yh).scalar == 1.5)
        // Gaussian with variance 1/(2 lambda): -ln p = lambda d + (D/2) ln(pi/lambda)
        let lam = 3.0, d = 0.7
        let sigma2 = 1 / (2 * lam)
        let direct = d / (2 * sigma2) + 0.5 * Foundation.log(2 * Double.pi * sigma2)
        #expect(Swift.abs(lam * d + DistortionKind.l2.logNormalizer(lambda: lam, dimensions: 1) - direct) < 1e-12)
        // Laplace with scale b = 1/lambda: -ln p = |x|/b + ln 2b
        let b = 1 / lam
        #expect(Swift.abs(lam * d + DistortionKind.l1.logNormalizer(lambda: lam, dimensions: 1) - (d / b + Foundation.log(2 * b))) < 1e-12)
    }

    @Test func reverseWaterFilling() {
        let g = GaussianRateDistortion(variances: [4, 2, 1, 0.5, 0.25])
        let p = g.optimum(lambda: 1)
        #expect(Swift.abs(p.objective - 4.3294) < 1e-4)
        #expect(Swift.abs(p.distortion - 2.25) < 1e-12)
        #expect(Swift.abs(p.rateNats - 0.5 * Foundation.log(64.0)) < 1e-12)
        // R(D) inverts the water level; rate falls as distortion grows; zero past total variance
        #expect(Swift.abs(g.rate(atDistortion: 2.25) - p.rateNats) < 1e-9)
        #expect(g.rate(atDistortion: 8) == 0)
        let c = g.curve(count: 50)
        #expect(zip(c, c.dropFirst()).allSatisfy { $0.0.distortion <= $0.1.distortion && $0.0.rateNats >= $0.1.rateNats })
    }

    @Test func mutualInformationOfAGaussianChannel() {
        // y ~ N(0, 1), p(z|y) = N(y, s^2): I = 1/2 ln(1 + 1/s^2)
        let m = 3000, s: Float = 0.5
        var rng = SeededGenerator(seed: 9)
        let y = Tensor.randomNormal([m, 1], using: &rng)
        let lv = Tensor(shape: [m, 1], repeating: 2 * Foundation.log(s))
        let z = Channel.transmit(mu: y, logvar: lv, eps: Tensor.randomNormal([m, 1], using: &rng))
        let est = MutualInformation.estimate(z: z, mu: y, logvar: lv)
        let truth = 0.5 * Foundation.log(1 + 1 / Double(s * s))
        #expect(Swift.abs(est - truth) < 0.05, "estimate \(est) vs \(truth)")
        #expect(est <= Foundation.log(Double(m)))
    }

    func expectNear(_ a: Float, _ b: Float, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Swift.abs(a - b) < 1e-5, "\(a) vs \(b)", sourceLocation: sourceLocation)
    }
}
