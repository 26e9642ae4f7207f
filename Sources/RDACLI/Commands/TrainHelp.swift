import RDAModel
import RDAIO

/// The help text of every training option (`rda train`, `rda sweep`), quoting the data-dependent
/// defaults from `TrainDefaults`; the command line shows a fixed default itself.
enum TrainHelp {
    /// The help text of `option`, quoting its data-dependent default from `TrainDefaults` (a
    /// fixed default is shown by the command line itself).
    static func text(_ option: TrainRequest.CodingKeys) -> String {
        let i = TrainDefaults.images, s = TrainDefaults.synthetic
        func both<T>(_ value: (TrainDefaults) -> T) -> String { "\(value(i)) for images, \(value(s)) for gaussian: and laplace:" }
        switch option {
        case .data:
            return "mnist, fashion-mnist, a folder of IDX files, images:DIR (every PNG and JPEG under DIR, as crops; docs/data.md), gaussian:V1,V2,... (independent Gaussian source with those variances) or laplace:B1,B2,... (independent Laplace source with those scales). Default: \(TrainRequest.defaults.data) for train and sweep, the model's own data otherwise."
        case .dataDir:
            return "Folder searched first for mnist / fashion-mnist (then $RDA_DATA_DIR/<name>, /usr/share/datasets/<name>, ~/.cache/rda/<name>)."
        case .arch:
            return "Encoder/decoder family: linear, mlp, conv, resnet (conv with residual blocks; docs/resnet.md) or spatial (fully convolutional: codes images of any size) (default: \(both(\.arch.rawValue)))."
        case .latentDim:
            return "Latent dimensions K, or spatial's latent channels C (default: \(SpatialNetwork.defaultLatentChannels) for spatial, \(i.latentDim.map(String.init) ?? "D") for other images, the source's dimension for gaussian: and laplace:)."
        case .widths:
            return "Hidden widths (mlp, e.g. \(Architecture.mlp.defaultWidths.map(String.init).joined(separator: ","))) or channels (conv and resnet, e.g. \(Architecture.conv.defaultWidths.map(String.init).joined(separator: ","))), or spatial's hidden channels (k - 1 of them, or one repeated; default \(SpatialNetwork.defaultWidth))."
        case .downsamplings:
            return "spatial: strided convolutions k, each halving the height and width (default \(SpatialNetwork.defaultDownsamplings), or one more than the widths given); images must be multiples of 2^k."
        case .resBlocks:
            return "resnet: residual blocks (two 3x3 convolutions and a skip) after each strided convolution, 0...\(ResNetwork.maximumResBlocks) (default \(ResNetwork.defaultResBlocks))."
        case .hidden:
            return "resnet: width of the fully connected layer between the feature map and the latent, in the encoder and the decoder (default \(ResNetwork.defaultHidden))."
        case .distortion:
            return "Distortion: l2 (squared error) or l1 (absolute error), summed over dimensions, or discretized-logistic (-ln P of each 8-bit pixel under a logistic of the decoder's mean and log-scale; images only; at lambda 1 the objective is the negative ELBO) (default: l1 for laplace:, l2 otherwise)."
        case .lambda:
            return "Weight of the distortion in rate + lambda * distortion (default: \(both { formatNumber($0.lambda) }))."
        case .channel:
            return "Bottleneck: one of \(Channels.names.joined(separator: ", "))."
        case .epochs:
            return "Passes over the training set (default: \(both(\.epochs)))."
        case .batchSize:
            return "Examples per step."
        case .learningRate:
            return "Adam learning rate (default: \(both { formatNumber($0.learningRate) }))."
        case .schedule:
            return "Learning-rate schedule: cosine (anneal to 0) or constant (default: \(both(\.schedule.rawValue)))."
        case .seed:
            return "Seed of initialization, shuffling and channel noise."
        case .examples:
            return "Examples of the training split: the first N of an image set (default all), or N draws from a gaussian: or laplace: source (default \(TrainDefaults.syntheticTrainExamples)). The test split is always whole (gaussian: and laplace: sources: --test-examples)."
        case .testExamples:
            return "Test examples drawn from a gaussian: or laplace: source."
        case .dataSeed:
            return "Seed of a gaussian: or laplace: source's draws (independent of --seed)."
        case .clipNorm:
            return "Rescale gradients whose global norm exceeds this."
        case .steps:
            return "Train for this many optimizer steps in all (any data), instead of whole epochs; progress, checkpoints and the learning-rate schedule follow them."
        case .crop:
            return "images:DIR: the side S of the random square crops trained on, and of the centre crops tested (default: \(ImageFolderOptions.defaultCrop))."
        case .channels:
            return "images:DIR: 1 (grey, ITU-R BT.601 luma) or 3 (RGB; grey images repeated) (default: 3 if any image is colour, else 1)."
        case .testFraction:
            return "images:DIR without train/ and test/ folders: the share of images tested, chosen by a hash of each file's path."
        case .skipBad:
            return "images:DIR: leave out files that cannot be read (each named) instead of refusing the folder."
        case .pad:
            return "images:DIR: pad images smaller than --crop by repeating their right and bottom edges, instead of refusing them."
        case .cacheMb:
            return "images:DIR: the most MB of decoded 8-bit images kept in memory; beyond it images are decoded again when cropped (default: a quarter of memory)."
        case .injectNaNAtStep:
            return "Fault injection for tests: make the objective NaN at this step."
        }
    }
}
