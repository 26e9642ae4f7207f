import ArgumentParser
import RDAModel

/// The options of an `images:DIR` data source (`ImageFolderOptions`), taken with --data.
struct ImageFolderFlags: ParsableArguments {
    @Option(help: help(.crop))
    var crop: Int?

    @Option(help: help(.channels))
    var channels: Int?

    @Option(help: help(.testFraction))
    var testFraction: Double = TrainRequest.defaults.testFraction

    @Flag(help: help(.skipBad))
    var skipBad = false

    @Flag(help: help(.pad))
    var pad = false

    @Option(name: .customLong("cache-mb"), help: help(.cacheMb))
    var cacheMb: Int?

    /// The options; a model's example `shape` [C, S, S] gives the crop and channels not given.
    func options(shape: [Int]? = nil) throws -> ImageFolderOptions {
        var o = ImageFolderOptions()
        o.crop = crop; o.channels = channels; o.testFraction = testFraction; o.skipBad = skipBad; o.pad = pad; o.cacheMB = cacheMb
        if let shape, shape.count == 3 {
            o.crop = o.crop ?? shape[1]; o.channels = o.channels ?? shape[0]
        }
        try o.validate()
        return o
    }

    /// Sets the request's image-folder fields from the flags.
    func apply(to r: inout TrainRequest) {
        r.crop = crop; r.channels = channels; r.testFraction = testFraction; r.skipBad = skipBad; r.pad = pad; r.cacheMb = cacheMb
    }
}
