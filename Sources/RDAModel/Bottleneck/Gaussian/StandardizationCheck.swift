import RDACore

extension Standardization {
    /// How much standardizing changes the closed-form rate on `data` (at most `limit` examples).
    ///
    /// The map logvar' = logvar - 2 ln sigma_z is exact only while both log-variances stay inside
    /// the encoder's clamp range (`Channel.logvarRange`): where one of them is clamped the KL
    /// changes. Returns the largest and the mean absolute change of the per-example rate (nats),
    /// and how many of the examples' latent dimensions leave the range after standardizing.
    public static func rateChange(from model: RateDistortionAutoencoder, to standardized: RateDistortionAutoencoder,
                                  on data: Dataset, limit: Int = 2000) -> (maxAbs: Double, meanAbs: Double, clamped: Int, examples: Int) {
        let n = Swift.min(limit, data.count)
        guard n > 0 else { return (0, 0, 0, 0) }
        return withoutGradients {
            let y = data.examples.slice(0..<n)
            let k = model.config.latentShape.count          // latent values per example (C * positions for a map)
            let eps = Tensor(zeros: [n, k])
            let a = model.forward(y, noise: eps, mode: .evaluation).rate.values
            let b = standardized.forward(y, noise: eps, mode: .evaluation).rate.values
            var maxAbs = 0.0, sum = 0.0
            for (x, z) in zip(a, b) {
                let d = Swift.abs(Double(x) - Double(z))
                maxAbs = Swift.max(maxAbs, d.isNaN ? .infinity : d); sum += d
            }
            // raw standardized log-variances outside the clamp range
            let raw = standardized.encoder(y).values
            var clamped = 0
            for i in 0..<n {
                for j in 0..<k where !Channel.logvarRange.contains(raw[i * 2 * k + k + j]) { clamped += 1 }
            }
            return (maxAbs, sum / Double(n), clamped, n)
        }
    }
}
