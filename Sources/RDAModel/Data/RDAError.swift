/// A user-facing failure of the model layer: one line naming the problem and how to fix it.
/// (File-level failures come as `RDAIOError`, which reads the same way.)
public struct RDAError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
