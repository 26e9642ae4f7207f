import RDAIO
/// Points bucketed in square cells, so that counting the points inside a small rectangle costs
/// the points in the cells it touches instead of all of them (label placement asks for every
/// label; with one scan per candidate a plot of n labelled points took O(n^2)).
struct PointGrid {
    let cell: Double
    private var buckets: [Int64: [(Double, Double)]] = [:]

    init(_ points: [(Double, Double)], cell: Double = 16) {
        self.cell = cell
        for p in points where p.0.isFinite && p.1.isFinite { buckets[key(p.0, p.1), default: []].append(p) }
    }

    private func index(_ v: Double) -> Int64 { Int64(Swift.max(-1e9, Swift.min(1e9, (v / cell).rounded(.down)))) }
    private func key(_ x: Double, _ y: Double) -> Int64 { index(x) &* 4_000_000_003 &+ index(y) }

    /// How many points lie inside `rect` (as `PixelRect.contains` counts them).
    func count(in rect: PixelRect) -> Int {
        guard rect.width.isFinite, rect.height.isFinite, rect.width < 1e6, rect.height < 1e6 else { return 0 }
        var n = 0
        for cx in index(rect.x)...index(rect.x + rect.width) {
            for cy in index(rect.y)...index(rect.y + rect.height) {
                guard let bucket = buckets[cx &* 4_000_000_003 &+ cy] else { continue }
                for p in bucket where rect.contains(p.0, p.1) { n += 1 }
            }
        }
        return n
    }
}
