@testable import RDAModel

extension RateDistortionAutoencoder {
    /// The Gaussian bottleneck of a model the test built with the Gaussian channel.
    var gaussian: GaussianBottleneck? { bottleneck as? GaussianBottleneck }
}
