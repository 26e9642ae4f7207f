import Foundation
import RDAIO

/// A lambda whose training stopped (NaN, infinite or diverging losses), recorded as
/// `DIR/lambda-<value>/failed.json` so that rerunning the sweep reports it instead of training it
/// again (the same request fails the same way: training is deterministic). Removing the file,
/// or changing the sweep's options, trains it again.
public struct SweepFailure: Codable, Equatable {
    /// The record's file name inside the lambda's run folder.
    public static let fileName = "failed.json"
    /// The lambda (distortion weight) whose training stopped.
    public var lambda: Double
    /// The one-line reason the training stopped.
    public var reason: String
    /// The training request that failed (to tell whether a rerun asks for the same thing).
    public var request: TrainRequest

    /// Whether `error` is a training stop that `record` should keep (not a missing file or a full disk).
    public static func isTrainingStop(_ error: Error) -> Bool {
        (error as? RDAError)?.message.hasPrefix("training stopped at ") == true
    }

    /// Writes the record into `folder` (atomically).
    public func write(in folder: URL) throws {
        try AtomicFile.write(JSONEncoder.pretty.encodeFinite(self), to: folder.appendingPathComponent(SweepFailure.fileName))
    }

    /// The failure recorded in `folder`, or nil (none, or unreadable: then it is trained again).
    public static func read(in folder: URL) -> SweepFailure? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder().decode(SweepFailure.self, from: data)
    }

    /// Removes a stale record from `folder` (before training it again).
    public static func remove(in folder: URL) {
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(fileName))
    }
}
