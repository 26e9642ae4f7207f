import RDAReport
import Foundation
import RDAIO

/// One epoch's figures (a line of `metrics.jsonl`).
public struct EpochMetrics: Codable, Sendable {
    /// The epoch, from 1.
    public var epoch: Int
    /// Optimizer steps taken so far.
    public var steps: Int
    /// The learning rate at the epoch's last step.
    public var learningRate: Double
    /// Means over the epoch's training batches (noisy channel, the training rate estimator).
    public var trainRate: Double, trainDistortion: Double, trainObjective: Double
    /// On (a prefix of) the test split with a fixed noise seed; nil when not evaluated.
    public var testRate: Double?, testDistortion: Double?, testObjective: Double?
    /// Wall-clock seconds the epoch's training took.
    public var seconds: Double
    /// Training examples per second over the epoch.
    public var examplesPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case epoch, steps, seconds
        case learningRate = "learning_rate"
        case trainRate = "train_rate_nats", trainDistortion = "train_distortion", trainObjective = "train_objective"
        case testRate = "test_rate_nats", testDistortion = "test_distortion", testObjective = "test_objective"
        case examplesPerSecond = "examples_per_sec"
    }

    /// The epochs recorded in a `metrics.jsonl` file, in order (lines of other records skipped),
    /// or a one-line error naming the file and line.
    public static func read(from url: URL) throws -> [EpochMetrics] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RDAError("\(url.path) is unreadable (\(error.localizedDescription))")
        }
        var out: [EpochMetrics] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do { out.append(try JSONDecoder().decode(EpochMetrics.self, from: Data(line.utf8))) } catch {
                throw RDAError("\(url.path) line \(i + 1) is not an epoch's metrics (\(error)); was it written by rda train?")
            }
        }
        return out
    }
}

/// The training chart's curves from the records of metrics.jsonl.
extension TrainingChart.History {
    /// The curves of `epochs`, one value per epoch in order.
    public init(_ epochs: [EpochMetrics]) {
        self.init()
        for e in epochs {
            epoch.append(Double(e.epoch))
            trainRate.append(e.trainRate); trainDistortion.append(e.trainDistortion); trainObjective.append(e.trainObjective)
            testRate.append(e.testRate); testDistortion.append(e.testDistortion); testObjective.append(e.testObjective)
            learningRate.append(e.learningRate)
        }
    }
}
