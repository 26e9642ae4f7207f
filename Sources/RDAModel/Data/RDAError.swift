/// A user-facing failure of the model layer: one line naming the problem and how to fix it.
/// (File-level failures come as `RDAIOError`, which reads the same way.)
public struct RDAError: Error, CustomStringConvertible, Equatable {
    /// The one-line message.
    public let message: String
    /// An error with this one-line message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
