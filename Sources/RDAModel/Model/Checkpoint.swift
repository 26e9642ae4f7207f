import Foundation
import RDACore
import RDAIO

/// Saving and loading models as safetensors: every parameter under its dotted name, and the
/// full configuration as JSON in the metadata (`rda.config`), so the file alone rebuilds the model
/// and Python's `safetensors` package loads the weights.
public enum Checkpoint {
    /// The model file's name inside a run folder.
    public static let fileName = "model.safetensors"
    static let configKey = "rda.config"
    static let formatKey = "rda.format"
    static let format = "rda-model-1"
    /// The whole architecture, layer by layer (`ArchitectureDescription`); absent in older files.
    static let architectureKey = "rda.architecture"

    /// Writes `model` atomically (temporary file, then rename): a failed save leaves any
    /// previous file intact. `extra` adds metadata entries (e.g. the training options).
    public static func save(_ model: RateDistortionAutoencoder, to url: URL, extra: [String: String] = [:]) throws {
        model.bottleneck.finalize()
        var file = SafetensorsFile()
        for (name, t) in model.namedParameters { file.set(name, shape: t.shape, values: t.values) }
        for t in model.bottleneck.namedIntegerTensors { file.set("prior." + t.name, shape: t.shape, integers: t.values) }
        let json = try JSONEncoder.sorted.encode(model.config)
        file.metadata = extra.merging([configKey: String(decoding: json, as: UTF8.self), formatKey: format,
                                       architectureKey: try ArchitectureDescription(model).json()]) { $1 }
        try file.write(to: url)
    }

    /// The model file for `path`: the path itself when it is a file, `path/model.safetensors`
    /// when it is a folder.
    public static func resolve(_ path: String) -> URL {
        var isDir: ObjCBool = false
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            return url.appendingPathComponent(fileName)
        }
        return url
    }

    /// Loads a model written by `save`, checking that every tensor the configuration needs is
    /// present with the right shape.
    public static func load(_ path: String) throws -> RateDistortionAutoencoder {
        let url = resolve(path)
        let file = try SafetensorsFile.read(from: url)
        guard let text = file.metadata[configKey] else {
            throw RDAError("\(url.path): a safetensors file but not an rda model (no \(configKey) metadata); pass a folder or file written by rda train")
        }
        if let f = file.metadata[formatKey], f != format {
            throw RDAError("\(url.path): model format '\(f)' is not one this rda reads (\(format)); use the rda version that wrote it")
        }
        let config: ModelConfig
        do { config = try JSONDecoder().decode(ModelConfig.self, from: Data(text.utf8)) } catch {
            throw RDAError("\(url.path): the model configuration in its metadata is unreadable (\(error)); retrain or re-save the model")
        }
        try CheckpointValidation.validate(config, tensors: file.tensors.mapValues(\.shape), source: url.path)
        var rng = SeededGenerator(seed: 0)
        let model = RateDistortionAutoencoder(config: config, rng: &rng)
        try CheckpointValidation.checkFinite(file.tensors, names: model.namedParameters.map(\.name), source: url.path)
        for (name, t) in model.namedParameters {
            guard let stored = file.tensors[name] else {
                throw RDAError("\(url.path): lacks tensor '\(name)' that a \(config.arch.rawValue) model needs; the file is incomplete or from another model")
            }
            guard stored.dtype == .f32 else {
                throw RDAError("\(url.path): tensor '\(name)' is \(stored.dtype.rawValue) but a weight must be F32; the file is damaged or from another program")
            }
            guard stored.shape == t.shape else {
                throw RDAError("\(url.path): tensor '\(name)' has shape \(stored.shape) but the configuration needs \(t.shape); the file does not match its configuration")
            }
            t.assign(stored.values)
        }
        do {
            try model.bottleneck.loadIntegerTensors { name in
                guard let stored = file.tensors["prior." + name], stored.dtype == .i32 else { return nil }
                return (stored.shape, stored.integers)
            }
        } catch let error as RDAError {
            throw RDAError("\(url.path): \(error.message)")
        }
        try CheckpointMetadata.check(file.metadata, model: model, source: url.path)
        return model
    }
}

/// rda's JSON encoder settings.
extension JSONEncoder {
    /// Sorted keys, no escaped slashes: stable text for metadata and reports.
    public static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
