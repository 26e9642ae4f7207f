import ArgumentParser
import Foundation

/// The `rda` command: train, evaluate and study noisy-channel rate-distortion autoencoders.
@main
struct RDACommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "rda",
        abstract: "Noisy-channel rate-distortion autoencoders: train, evaluate, sample, measure.",
        discussion: """
        An RDA encodes y to p(z|y) = N(mu, sigma^2), sends z = mu + sigma * eps through a noisy \
        channel and decodes y_hat(z); training minimises rate + lambda * distortion (nats per example).
        Start with (Debian): apt-get update && apt-get install -y dataset-fashion-mnist, then \
        rda train --data fashion-mnist --out runs/fashion-mnist. MNIST has no Debian package: \
        rda data fetch mnist downloads it.
        """,
        version: version,
        subcommands: [Train.self, Eval.self, Sample.self, Reconstruct.self, Interpolate.self, Traverse.self, Standardize.self,
                      Compress.self, Decompress.self, SweepCommand.self, ReportCommand.self, BoundCommand.self, PlotCommand.self, Bench.self, DataCommand.self]
    )
}

/// `rda bench ...`: speed measurements that print JSON lines.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed (JSON lines on standard output).",
        subcommands: [BenchGEMM.self, BenchTrain.self, BenchEval.self, BenchCode.self]
    )
}
