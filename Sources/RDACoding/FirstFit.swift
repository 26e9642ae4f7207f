/// First-fit bin packing: each item, in the given order, goes into the first bin whose load
/// plus the item's weight is at most `capacity`, or into a new bin after the last when none
/// is (an item heavier than the capacity gets a bin of its own, which nothing else joins).
///
/// The first fitting bin is found in a max-tree of the bins' free capacities (unopened bins
/// count as empty), so n items take O(n log n) instead of the O(n * bins) of a scan: a
/// channel-simulation plan of a photograph's latent map has about 10^5 dimensions and 10^4
/// blocks. `packByScanning` is the scan, kept as the reference the tests compare with.
public enum FirstFit {
    /// The bins, each the indices (into `weights`) of its items in the order they came.
    public static func pack(_ weights: [Int], capacity: Int) -> [[Int]] {
        let n = weights.count
        guard n > 0 else { return [] }
        var size = 1
        while size < n { size <<= 1 }
        // tree[size + b]: free capacity of bin b; tree[i]: the max of its two children
        var tree = [Int](repeating: capacity, count: 2 * size)
        var bins: [[Int]] = []
        for (item, w) in weights.enumerated() {
            var bin: Int
            if tree[1] >= w {
                var i = 1
                while i < size { i = tree[2 * i] >= w ? 2 * i : 2 * i + 1 }
                bin = i - size
            } else {
                bin = bins.count   // heavier than any free capacity: a bin of its own
            }
            if bin == bins.count { bins.append([]) }
            bins[bin].append(item)
            var i = size + bin
            tree[i] = bins[bin].count == 1 && w > capacity ? Int.min : tree[i] - w
            i >>= 1
            while i >= 1 { tree[i] = Swift.max(tree[2 * i], tree[2 * i + 1]); i >>= 1 }
        }
        return bins
    }

    /// The same packing by scanning the bins for each item (O(n * bins)).
    public static func packByScanning(_ weights: [Int], capacity: Int) -> [[Int]] {
        var bins: [(load: Int, items: [Int])] = []
        for (item, w) in weights.enumerated() {
            if let b = bins.firstIndex(where: { $0.load + w <= capacity }) {
                bins[b].load += w; bins[b].items.append(item)
            } else {
                bins.append((w, [item]))
            }
        }
        return bins.map(\.items)
    }
}
