/// Stops with `message` when `condition` is false: for programmer errors such as shape
/// mismatches. Unlike `precondition`, the message is printed in optimized builds too, so a
/// failure always names the offending shapes.
@inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
