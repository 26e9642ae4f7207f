import Foundation

/// Checks of a model file's descriptive metadata against its configuration (`rda.config`), so
/// that an edited or damaged file is refused rather than believed: `rda.architecture` (what
/// `scripts/torch_model.py` rebuilds the model from) must describe the model the configuration
/// builds, and `rda.training` (the options it was trained with) must hold options the command
/// line accepts. Both are optional (older files lack them).
enum CheckpointMetadata {
    /// Throws a one-line `RDAError` naming `source` and the entry when `metadata` disagrees with `model`.
    static func check(_ metadata: [String: String], model: RateDistortionAutoencoder, source: String) throws {
        func bad(_ key: String, _ what: String) -> RDAError {
            RDAError("\(source): its \(key) metadata \(what); the file was edited or damaged: retrain or re-save the model")
        }
        if let text = metadata[Checkpoint.architectureKey] {
            guard let stored = try? JSONDecoder().decode(ArchitectureDescription.self, from: Data(text.utf8)) else {
                throw bad(Checkpoint.architectureKey, "is not an architecture description")
            }
            let built = ArchitectureDescription(model)
            // The layers and what they are trained for; the channel's prose may change between versions.
            guard stored.format == built.format, stored.exampleShape == built.exampleShape, stored.latentDim == built.latentDim,
                  stored.encoder == built.encoder, stored.decoder == built.decoder,
                  stored.distortion == built.distortion, stored.lambda == built.lambda else {
                throw bad(Checkpoint.architectureKey, "describes another model than its configuration (rda.config)")
            }
        }
        if let text = metadata["rda.training"] {
            guard let options = try? JSONDecoder().decode(TrainingOptions.self, from: Data(text.utf8)) else {
                throw bad("rda.training", "is not a set of training options")
            }
            let valid = options.epochs >= 1 && options.batchSize >= 1 && options.learningRate > 0 && options.learningRate.isFinite
                && (options.clipNorm.map { $0 > 0 && $0.isFinite } ?? true) && options.testExamplesPerEpoch >= 0
            guard valid else {
                throw bad("rda.training", "holds options the command line refuses (epochs \(options.epochs), batch \(options.batchSize), learning rate \(options.learningRate), clip norm \(options.clipNorm.map { "\($0)" } ?? "none"))")
            }
        }
    }
}
