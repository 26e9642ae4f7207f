import Foundation
import RDACore

extension Standardization {
    /// Folds a learned prior N(mu_c, sigma_c^2) per latent channel (shared over positions) into
    /// `model`, whose prior is then N(0, 1) per channel with the same rate for every input:
    ///
    ///     encoder's last convolution, mu channel c:     W_c -> W_c / sigma_c,  b_c -> (b_c - mu_c) / sigma_c
    ///     encoder's last convolution, logvar channel c: b_{C+c} -> b_{C+c} - 2 ln sigma_c
    ///     decoder's LatentMapAffine:                   a_c -> a_c sigma_c,     b_c -> a_c mu_c + b_c
    ///
    /// Every position of channel c sees the same map, so the fold is exact at the borders too.
    /// `model` must be a copy with the original weights and a standard prior.
    static func foldIntoLatentMap(_ model: RateDistortionAutoencoder, prior: Prior) throws {
        guard let affine = model.decoder.layers.first as? LatentMapAffine,
              let enc = model.encoder.layers.last(where: { $0 is Conv2d }) as? Conv2d, let encBias = enc.bias else {
            throw Failure.notAffineEnds
        }
        let c = prior.mu.count
        let outputs = enc.weight.shape[0]
        guard affine.scale.count == c, outputs >= 2 * c else { throw Failure.notAffineEnds }
        let muZ = prior.mu.values, logSigma = prior.logSigma.values
        let perOutput = enc.weight.count / outputs             // in * kh * kw
        let w = enc.weight.data, b = encBias.data
        let a = affine.scale.data, shift = affine.shift.data
        for i in 0..<c {
            let s = Float(Foundation.exp(Double(logSigma[i])))
            for j in 0..<perOutput { w[i * perOutput + j] /= s }      // mu output channel i
            b[i] = (b[i] - muZ[i]) / s
            b[c + i] -= 2 * logSigma[i]                               // logvar output channel i
            shift[i] += a[i] * muZ[i]
            a[i] *= s
        }
    }
}
