import Testing
import Foundation
import RDAKernels
@testable import RDACore

/// The convolutions' per-lane gradient reduction (`reduceLanes`), vectorized 16 elements at a
/// time, against the scalar sum it must equal bit for bit: lanes added in order, then added to
/// the sink's old value when it accumulates.
@Suite("Lane reduction of gradients")
struct ReduceLanesTests {
    @Test(arguments: [1, 2, 3, 16])
    func matchesTheScalarOrderBitForBit(lanes: Int) {
        defer { Threads.set(1) }
        for threads in [1, 2] {
            Threads.set(threads)
            for length in [1, 15, 16, 17, 33, 40_000 + 7] {   // tails, and more than one parallel range
                var rng = SeededGenerator(seed: UInt64(lanes * 1_000_003 + length))
                // magnitudes from 1e-4 to 1e4: an order other than lane after lane changes the bits
                let parts: [Float] = (0..<(lanes * length)).map { _ in
                    (2 * rng.nextFloat() - 1) * Float(pow(10, Double(Int(rng.next() % 9) - 4)))
                }
                let old: [Float] = (0..<length).map { _ in 2 * rng.nextFloat() - 1 }
                for accumulate in [false, true] {
                    var expected = [Float](repeating: 0, count: length)
                    for i in 0..<length {
                        var acc = parts[i]
                        for l in 1..<lanes { acc = acc + parts[l * length + i] }
                        expected[i] = accumulate ? old[i] + acc : acc
                    }
                    var out = accumulate ? old : [Float](repeating: .nan, count: length)
                    parts.withUnsafeBufferPointer { p in
                        out.withUnsafeMutableBufferPointer { o in
                            reduceLanes(p.baseAddress!, lanes: lanes, length: length, into: GradientSink(pointer: o.baseAddress!, accumulate: accumulate))
                        }
                    }
                    #expect(out.map(\.bitPattern) == expected.map(\.bitPattern), "lanes \(lanes), length \(length), accumulate \(accumulate), \(threads) threads")
                }
            }
        }
    }
}
