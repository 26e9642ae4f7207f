import Testing
import Foundation
@testable import RDAModel

@Suite("8-bit discretized likelihood")
struct DiscretizedLikelihoodTests {
    /// The masses of the 256 pixel values sum to one, for either likelihood, anywhere.
    @Test(arguments: [DistortionKind.l2, .l1])
    func massesSumToOne(_ kind: DistortionKind) {
        for (lambda, yHat) in [(0.5, 0.3), (4.0, 0.0), (64.0, 0.77), (2000.0, 1.0), (16.0, -0.2), (16.0, 1.3)] {
            var total = 0.0
            for k in 0...255 { total += exp(-DiscretizedLikelihood.negativeLogMass(kind, lambda: lambda, y: Double(k) / 255, yHat: yHat)) }
            #expect(Swift.abs(total - 1) < 1e-9, "\(kind) lambda \(lambda) y_hat \(yHat): \(total)")
        }
    }

    /// An inner bin's mass equals the density integrated over it (Simpson's rule).
    @Test(arguments: [DistortionKind.l2, .l1])
    func innerBinIsTheIntegralOfTheDensity(_ kind: DistortionKind) {
        let lambda = 300.0, yHat = 0.41
        func density(_ x: Double) -> Double {
            switch kind {
            case .l2: let v = 1 / (2 * lambda); return exp(-(x - yHat) * (x - yHat) / (2 * v)) / (2 * Double.pi * v).squareRoot()
            case .l1: let b = 1 / lambda; return exp(-Swift.abs(x - yHat) / b) / (2 * b)
            case .discretizedLogistic: return .nan   // not an argument of this test
            }
        }
        for k in [90, 104, 105, 106, 140] {
            let a = (Double(k) - 0.5) / 255, b = (Double(k) + 0.5) / 255, n = 2000
            let h = (b - a) / Double(n)
            var s = density(a) + density(b)
            for i in 1..<n { s += density(a + Double(i) * h) * (i % 2 == 1 ? 4 : 2) }
            let integral = s * h / 3
            let mass = exp(-DiscretizedLikelihood.negativeLogMass(kind, lambda: lambda, y: Double(k) / 255, yHat: yHat))
            #expect(Swift.abs(mass - integral) <= 1e-7 * Swift.max(integral, 1e-12) + 1e-13, "k \(k): \(mass) vs \(integral)")
        }
    }

    /// Where the density is nearly flat over a bin, -ln P = -ln p(y) + ln 255 (the density reading
    /// plus 8 bits' worth of bin width).
    @Test func narrowBinsMatchTheDensityReading() {
        let lambda = 0.5, y = 0.5, yHat = 0.52
        let nats = DiscretizedLikelihood.negativeLogMass(.l2, lambda: lambda, y: y, yHat: yHat)
        let densityNats = lambda * (y - yHat) * (y - yHat) + 0.5 * log(Double.pi / lambda)
        #expect(Swift.abs(nats - (densityNats + log(255))) < 1e-4)
    }
}
