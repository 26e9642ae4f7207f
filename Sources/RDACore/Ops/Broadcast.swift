/// NumPy-style broadcasting: shapes are aligned at their last axis; an axis of extent 1 (or a
/// missing leading axis) stretches to match the other. `[N, D]` with `[D]` gives `[N, D]`,
/// `[N, D]` with `[N, 1]` gives `[N, D]`, `[]` with anything gives that thing.
public enum Broadcast {
    /// The broadcast shape of `a` and `b`, or a precondition failure naming both shapes.
    public static func shape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            require(da == db || da == 1 || db == 1,
                         "\(op): shapes \(a) and \(b) do not broadcast (axis \(i): \(da) vs \(db))")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides of a row-major tensor of shape `shape` read as shape `out` (0 on broadcast axes).
    static func strides(of shape: [Int], in out: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: out.count)
        var s = 1
        let offset = out.count - shape.count
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i + offset] = shape[i] == 1 ? 0 : s
            s *= shape[i]
        }
        return strides
    }

    /// Walks the row-major elements of shape `out`, calling `run(o, ia, ib, n, sa, sb)` for each
    /// run of `n` consecutive output elements starting at `o`, whose inputs start at `ia`, `ib`
    /// and step by `sa`, `sb` (0 or 1 ... along the last axis).
    @inline(__always)
    static func walk(_ out: [Int], _ stridesA: [Int], _ stridesB: [Int],
                     _ run: (_ o: Int, _ ia: Int, _ ib: Int, _ n: Int, _ sa: Int, _ sb: Int) -> Void) {
        let r = out.count
        if r == 0 { run(0, 0, 0, 1, 0, 0); return }
        let n = out[r - 1]
        let total = out.reduce(1, *)
        if total == 0 { return }
        var index = [Int](repeating: 0, count: r)
        var o = 0, ia = 0, ib = 0
        while o < total {
            run(o, ia, ib, n, stridesA[r - 1], stridesB[r - 1])
            o += n
            // advance the outer index (axes 0..<r-1) like an odometer
            var axis = r - 2
            while axis >= 0 {
                index[axis] += 1
                ia += stridesA[axis]; ib += stridesB[axis]
                if index[axis] < out[axis] { break }
                ia -= stridesA[axis] * out[axis]; ib -= stridesB[axis] * out[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
