/// The median of a non-empty list (the mean of the middle two for an even count): the timing
/// statistic of the step calibration and of the benchmarks' windows.
public func median(_ values: [Double]) -> Double {
    precondition(!values.isEmpty, "median of no values")
    let v = values.sorted(), n = v.count
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
}
