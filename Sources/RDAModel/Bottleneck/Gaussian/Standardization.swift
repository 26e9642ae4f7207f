import Foundation
import RDACore

/// Converts a model with a learned prior N(mu_z, diag sigma_z^2) into one with prior N(0, I) and
/// the *same* KL for every input.
///
/// KL is invariant under the same affine map of both its arguments, so mapping
///
///     mu' = (mu - mu_z) / sigma_z,   sigma' = sigma / sigma_z   (logvar' = logvar - 2 ln sigma_z)
///
/// keeps every rate, and folding the inverse map z = mu_z + sigma_z z' into the decoder's first
/// layer keeps every reconstruction: the encoder's last affine layer gets its mu rows scaled by
/// 1/sigma_z and shifted by -mu_z/sigma_z, its logvar biases shifted by -2 ln sigma_z; the
/// decoder's first affine layer W z + b becomes (W diag sigma_z) z' + (b + W mu_z).
/// A latent map (`spatial`) with a prior N(mu_c, sigma_c^2) per channel, shared over positions,
/// does the same per channel: the encoder's last convolution gets its mu output channels scaled
/// and shifted and its logvar biases shifted, and the decoder's `LatentMapAffine` a_c z + b_c
/// becomes (a_c sigma_c) z' + (a_c mu_c + b_c) (see `foldIntoLatentMap`).
/// A noise draw eps maps to the same z either way: z = mu + sigma eps = mu_z + sigma_z (mu' + sigma' eps).
public enum Standardization {
    /// Why a model cannot be standardized.
    public enum Failure: Error, CustomStringConvertible {
        /// The decoder does not start with a linear layer that can absorb the prior's affine map.
        case notAffineEnds
        /// The model's channel (named by the associated value) has no prior that maps to N(0, I)
        /// (its bottleneck is not a `StandardizableChannel`).
        case notStandardizable(String)
        /// One line naming the problem.
        public var description: String {
            switch self {
            case .notAffineEnds: return "standardize: the encoder must end and the decoder must start with an affine layer (a spatial model saved before the decoder's per-channel affine map existed has none: retrain it)"
            case .notStandardizable(let name): return "standardize: this is a \(name)-channel model; standardization maps a Gaussian prior to N(0, I), and the \(name) channel has none"
            }
        }
    }

    /// Whether `model`'s prior is already N(0, I) (false for a channel without a standardizable prior).
    public static func isStandard(_ model: RateDistortionAutoencoder) -> Bool {
        (model.bottleneck as? any StandardizableChannel)?.prior.kind == .standard
    }

    /// A new model with a standard prior equivalent to `model`. A model with a standard prior
    /// comes back as an identical copy.
    public static func standardized(_ model: RateDistortionAutoencoder) throws -> RateDistortionAutoencoder {
        guard let channel = model.bottleneck as? any StandardizableChannel else {
            throw Failure.notStandardizable(model.config.channel.name)
        }
        let prior = channel.prior
        var cfg = model.config
        cfg.channel = ChannelConfig(channel.standardSettings)
        var rng = SeededGenerator(seed: 0)
        let out = RateDistortionAutoencoder(config: cfg, rng: &rng)
        // copy encoder and decoder weights
        let source = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.tensor) })
        for (name, t) in out.namedParameters { t.assign(source[name]!) }
        switch prior.kind {
        case .standard: return out
        case .learned: break
        }
        if out.decoder.layers.first is LatentMapAffine { try foldIntoLatentMap(out, prior: prior); return out }
        // a prior shared over a latent map's positions folds into no single linear layer
        guard prior.positions == 1 else { throw Failure.notAffineEnds }
        guard let enc = out.encoder.layers.last as? Linear, let dec = out.decoder.layers.first as? Linear,
              let encBias = enc.bias, let decBias = dec.bias else { throw Failure.notAffineEnds }
        let k = cfg.latentDim
        let muZ = prior.mu.values, logSigma = prior.logSigma.values
        let sigmaZ = logSigma.map { Float(Foundation.exp(Double($0))) }
        let fin = enc.weight.shape[1]
        let w = enc.weight.data, b = encBias.data
        for i in 0..<k {
            let s = sigmaZ[i]
            for j in 0..<fin { w[i * fin + j] /= s }                  // mu rows
            b[i] = (b[i] - muZ[i]) / s
            b[k + i] -= 2 * logSigma[i]                                  // logvar rows
        }
        let dout = dec.weight.shape[0]
        let dw = dec.weight.data, db = decBias.data
        for r in 0..<dout {
            var shift: Float = 0
            for i in 0..<k {
                shift += dw[r * k + i] * muZ[i]
                dw[r * k + i] *= sigmaZ[i]
            }
            db[r] += shift
        }
        return out
    }
}
