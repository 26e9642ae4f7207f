import Foundation

/// The VAE reading of the distortion on 8-bit data: the probability of the *pixel value* rather
/// than a density at it, as VAE papers report bits per dimension.
///
/// Read as a likelihood, the distortion is a continuous density p(y|y_hat) (`logNormalizer`):
/// L2 a Gaussian of variance s^2 = 1/(2 lambda), L1 a Laplace of scale b = 1/lambda. A density
/// can exceed 1, so its negative log (and the NELBO) can be negative. Pixels are integers
/// k = 0...255 stored as y = k/255; the probability of pixel k is the mass of p(.|y_hat) on its bin
///
///     P(k | y_hat) = F((k + 1/2)/255) - F((k - 1/2)/255),   with the outer bins open:
///     F(-1/510) -> F(-inf) = 0 for k = 0,   F(255.5/255) -> F(+inf) = 1 for k = 255,
///
/// F the distribution function (Gaussian: F(x) = Phi((x - y_hat)/s); Laplace: F(x) =
/// 1/2 e^((x - y_hat)/b) below y_hat, 1 - 1/2 e^(-(x - y_hat)/b) above). The masses of the 256
/// bins sum to 1, so -ln P >= 0 and the discrete NELBO (rate + sum_j -ln P(k_j | y_hat_j)) is
/// a code length in nats: divided by D ln 2 it is bits per dimension.
public enum DiscretizedLikelihood {
    /// Pixel levels minus one (8 bits).
    public static let levels = 255.0

    /// -ln P(k | y_hat) for the pixel of value `y` (rounded to the nearest k/255): l2 and l1 (the
    /// discretized logistic needs its scale too: `DiscretizedLogistic.logMass`).
    public static func negativeLogMass(_ kind: DistortionKind, lambda: Double, y: Double, yHat: Double) -> Double {
        let k = (min(max(y, 0), 1) * levels).rounded()
        let lo = k == 0 ? -Double.infinity : (k - 0.5) / levels
        let hi = k == levels ? Double.infinity : (k + 0.5) / levels
        let mass: Double
        switch kind {
        case .discretizedLogistic:
            preconditionFailure("DiscretizedLikelihood.negativeLogMass: the discretized logistic needs its log-scale; use the per-example form")
        case .l2:
            // Phi(b) - Phi(a) on the side of the mean where it keeps its precision
            let s = (1 / (2 * lambda)).squareRoot()
            let a = (lo - yHat) / s, b = (hi - yHat) / s
            if a > 0 {
                mass = 0.5 * (erfc(a / 2.0.squareRoot()) - erfc(b / 2.0.squareRoot()))
            } else {
                mass = 0.5 * (erfc(-b / 2.0.squareRoot()) - erfc(-a / 2.0.squareRoot()))
            }
        case .l1:
            let scale = 1 / lambda
            func cdf(_ x: Double) -> Double {
                if x == -.infinity { return 0 }
                if x == .infinity { return 1 }
                let t = (x - yHat) / scale
                return t < 0 ? 0.5 * exp(t) : 1 - 0.5 * exp(-t)
            }
            func upperTail(_ x: Double) -> Double {   // 1 - F(x), exact above the mean
                if x == .infinity { return 0 }
                if x == -.infinity { return 1 }
                let t = (x - yHat) / scale
                return t >= 0 ? 0.5 * exp(-t) : 1 - 0.5 * exp(t)
            }
            mass = lo >= yHat ? upperTail(lo) - upperTail(hi) : cdf(hi) - cdf(lo)
        }
        return -log(max(mass, Double.leastNormalMagnitude))
    }

    /// The distribution function F at the lower edge of level k's bin, the tails joined to the
    /// outer bins: 0 for k <= 0, 1 for k >= 256, F((k - 1/2)/255) between (l2: Gaussian of
    /// variance 1/(2 lambda) about y_hat; l1: Laplace of scale 1/lambda). P(k) = F(k + 1) - F(k)
    /// is the mass above; the coding tables (`PixelLikelihood`) are built from these values.
    public static func cumulative(_ kind: DistortionKind, lambda: Double, level k: Int, yHat: Double) -> Double {
        if k <= 0 { return 0 }
        if k >= 256 { return 1 }
        let x = (Double(k) - 0.5) / levels
        switch kind {
        case .l2:
            let s = (1 / (2 * lambda)).squareRoot()
            return 0.5 * erfc(-(x - yHat) / (s * 2.0.squareRoot()))
        case .l1:
            let t = (x - yHat) * lambda
            return t < 0 ? 0.5 * exp(t) : 1 - 0.5 * exp(-t)
        case .discretizedLogistic:
            preconditionFailure("DiscretizedLikelihood.cumulative: the discretized logistic needs its log-scale (DiscretizedLogistic.cumulative)")
        }
    }

    /// sum_j -ln P(k_j | y_hat_j) over one example's D values. For the discretized logistic,
    /// `yHat` is the decoder's 2D outputs (D means, then D log-scales).
    public static func negativeLogMass(_ kind: DistortionKind, lambda: Double,
                                       y: UnsafePointer<Float>, yHat: UnsafePointer<Float>, count d: Int) -> Double {
        var total = 0.0
        if kind == .discretizedLogistic {
            for j in 0..<d { total -= DiscretizedLogistic.logMass(y: Double(y[j]), mean: Double(yHat[j]), logScale: Double(yHat[d + j])) }
            return total
        }
        for j in 0..<d { total += negativeLogMass(kind, lambda: lambda, y: Double(y[j]), yHat: Double(yHat[j])) }
        return total
    }
}
