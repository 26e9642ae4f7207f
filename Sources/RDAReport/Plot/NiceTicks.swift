import Foundation
import RDAIO

/// Axis ticks at "nice" values: multiples of a step that is 1, 2 or 5 times a power of ten.
public enum NiceTicks {
    /// The smallest step of the form {1, 2, 5} x 10^k that cuts `span` into at most
    /// `maxCount - 1` intervals. Returns 1 for an empty or non-finite span.
    public static func step(forSpan span: Double, maxCount: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let intervals = Double(Swift.max(1, maxCount - 1))
        let raw = span / intervals
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
        for multiple in [1.0, 2, 5, 10] where multiple * magnitude >= raw * (1 - 1e-12) {
            return multiple * magnitude
        }
        return 10 * magnitude
    }

    /// The multiples of `step(forSpan: upper - lower, maxCount:)` inside [lower, upper], ascending:
    /// at most `maxCount` of them, unless that step leaves fewer than two inside the interval; the
    /// step then shrinks along 5, 2, 1 x 10^k until there are two. A single value for an empty
    /// interval.
    public static func ticks(from lower: Double, to upper: Double, maxCount: Int = 8) -> [Double] {
        guard lower.isFinite, upper.isFinite else { return [] }
        if upper <= lower { return [lower] }
        return ticks(from: lower, to: upper, step: atLeastTwoTicksStep(from: lower, to: upper, maxCount: maxCount))
    }

    /// `step(forSpan:maxCount:)`, made smaller (5 -> 2 -> 1 -> 0.5 ...) while fewer than two of
    /// its multiples fall inside [lower, upper].
    public static func atLeastTwoTicksStep(from lower: Double, to upper: Double, maxCount: Int) -> Double {
        var step = step(forSpan: upper - lower, maxCount: maxCount)
        guard upper > lower, lower.isFinite, upper.isFinite else { return step }
        for _ in 0..<6 where ticks(from: lower, to: upper, step: step).count < 2 {
            step = smaller(step)
        }
        return step
    }

    /// The next smaller value of the 1-2-5 sequence.
    static func smaller(_ step: Double) -> Double {
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(step) + 1e-9))
        let mantissa = (step / magnitude).rounded()
        switch mantissa {
        case 5: return 2 * magnitude
        case 2: return magnitude
        default: return 0.5 * magnitude
        }
    }

    /// The multiples of `step` inside [lower, upper] (with a little tolerance for rounding).
    public static func ticks(from lower: Double, to upper: Double, step: Double) -> [Double] {
        guard step > 0, lower.isFinite, upper.isFinite, upper >= lower else { return [] }
        let first = Foundation.ceil(lower / step - 1e-9)
        let last = Foundation.floor(upper / step + 1e-9)
        guard last >= first, last - first < 10_000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let value = k * step
            return value == 0 ? 0 : value   // no "-0"
        }
    }

    /// Text for a tick `value` on an axis with spacing `step`: just enough decimals to tell
    /// neighbouring ticks apart ("0.25" is never needed: steps are 1, 2 or 5 x 10^k), and
    /// exponent notation for very large or very small numbers.
    public static func format(_ value: Double, step: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = Swift.max(Swift.abs(value), step)
        if magnitude >= 1e6 || step < 1e-4 {
            let digits = Swift.max(0, Int(Foundation.floor(Foundation.log10(magnitude)) - Foundation.floor(Foundation.log10(step))))
            return String(format: "%.\(Swift.min(digits, 6))e", value)
        }
        let decimals = Swift.max(0, Int(-Foundation.floor(Foundation.log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", value)
    }

    /// A short rendering of a parameter value, e.g. "4", "0.5", "0.001", "1.5e+04".
    public static func compact(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "-∞") }
        if value == value.rounded(), Swift.abs(value) < 1e5 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }
}
