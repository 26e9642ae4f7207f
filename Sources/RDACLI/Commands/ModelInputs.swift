import ArgumentParser
import RDAModel

/// The one prologue of every command that reads a trained model and data: `--model` and the
/// data options, loaded and checked in one place.
struct ModelInputs: ParsableArguments {
    @OptionGroup var checkpoint: ModelOption
    @OptionGroup var dataOptions: DataOptions

    /// The model alone (commands that take no data, or decide about data later).
    func model() throws -> RateDistortionAutoencoder { try checkpoint.load() }

    /// `split` of the data (the model's own unless --data says otherwise), after checking that
    /// its examples are the shape `model` takes; warns when it is not the data the model was
    /// trained on.
    func data(for model: RateDistortionAutoencoder, _ split: Split) throws -> (source: DataSource, data: Dataset) {
        let (source, data) = try dataOptions.load(split, default: model.config.data, shape: model.config.exampleShape)
        try model.checkFits(data, name: source.description)
        warnIfOtherData(model, source)
        return (source, data)
    }

    /// The `images:` folder the data options name (the model's own data unless --data says
    /// otherwise), scanned with the model's crop and channels; nil for other sources.
    func imageFolder(for model: RateDistortionAutoencoder) throws -> ImageFolder? {
        guard case .images(let dir) = try dataOptions.source(default: model.config.data) else { return nil }
        return try ImageFolder(path: dir, options: try dataOptions.imageFolder.options(shape: model.config.exampleShape))
    }

    /// The model and `split` of its data, checked (see `data(for:_:)`).
    func load(_ split: Split) throws -> (model: RateDistortionAutoencoder, source: DataSource, data: Dataset) {
        let m = try model()
        let (source, data) = try data(for: m, split)
        return (m, source, data)
    }
}
