import Testing
@testable import RDACoding

/// The tree first-fit packs exactly as the scan does (the plan's blocks, and so every file's
/// bits, depend on it), and its bins respect the capacity.
@Suite struct FirstFitTests {
    @Test func treePackingIsTheScansPacking() {
        var rng = TestGenerator(seed: 11)
        for trial in 0..<300 {
            let capacity = Int.random(in: 1...3000, using: &rng)
            let n = Int.random(in: 0...(trial < 100 ? 40 : 700), using: &rng)
            // weights up to above the capacity (a dimension at the step cap), zeros included
            let top = trial % 3 == 0 ? capacity + capacity / 2 : capacity
            let weights = (0..<n).map { _ in Int.random(in: 0...10, using: &rng) == 0 ? 0 : Int.random(in: 0...top, using: &rng) }
            let tree = FirstFit.pack(weights, capacity: capacity)
            #expect(tree == FirstFit.packByScanning(weights, capacity: capacity), "trial \(trial): capacity \(capacity), weights \(weights)")
            #expect(tree.flatMap { $0 }.sorted() == Array(0..<n))
            for bin in tree where bin.count > 1 { #expect(bin.reduce(0) { $0 + weights[$1] } <= capacity) }
        }
    }

    /// Sorted descending weights, as the plan packs them: many equal weights (a photograph's
    /// channels repeated over its positions) fill bins in order.
    @Test func equalWeightsFillBinsInOrder() {
        let bins = FirstFit.pack([Int](repeating: 3, count: 10), capacity: 7)
        #expect(bins == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]])
        // an item over the capacity keeps its bin to itself; a later small one goes back to bin 1
        #expect(FirstFit.pack([9, 2, 8, 1], capacity: 8) == [[0], [1, 3], [2]])
    }
}
