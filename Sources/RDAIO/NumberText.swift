/// Short decimal text for a number, the shortest that reads back as the same Double:
/// 4 -> "4", 0.25 -> "0.25", infinity -> "inf". Used for file names, CSV cells and messages.
public func formatNumber(_ x: Double) -> String {
    if x == x.rounded() && Swift.abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}
