import Foundation
import RDAModel

/// Warns on standard error when `source` is not the data `model` was trained on (e.g. an MNIST
/// model evaluated on Fashion-MNIST): the command still runs, as that can be what one wants.
func warnIfOtherData(_ model: RateDistortionAutoencoder, _ source: DataSource) {
    func key(_ text: String) -> String {
        if let parsed = try? DataSource.parse(text), case .gaussian = parsed { return parsed.description }
        if text.contains("/") || text.hasPrefix(".") { return URL(fileURLWithPath: text).standardizedFileURL.path }
        return text.lowercased().replacingOccurrences(of: "_", with: "-")
    }
    let trained = model.config.data
    guard key(trained) != key(source.description) else { return }
    Console.info("rda: warning: the model was trained on \(trained), not \(source.description); its figures here describe it away from its training data")
}
