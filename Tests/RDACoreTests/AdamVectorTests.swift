import Testing
import Foundation
@testable import RDACore

/// The eight-lane Adam update against the one-parameter formula it vectorizes.
@Suite("Adam's vectorized update")
struct AdamVectorTests {
    /// Every parameter, moment and second moment must match the scalar update bit for bit, for
    /// lengths with and without a remainder after the eight-lane loop, and over several steps
    /// (so that the moments are not the initial zeros).
    @Test(arguments: [1, 7, 8, 9, 37, 1024 + 5])
    func matchesScalarBitForBit(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count))
        func values(_ scale: Float) -> [Float] { (0..<count).map { _ in scale * (2 * rng.nextFloat() - 1) } }
        let start = values(1)
        var p = start, m = [Float](repeating: 0, count: count), v = m
        var ps = p, ms = m, vs = v
        for step in 1...4 {
            // gradients of very different sizes, exact zeros among them
            var g = values(step % 2 == 0 ? 1e-3 : 10)
            for i in stride(from: 0, to: count, by: 3) { g[i] = 0 }
            let t = Float(step), lr: Float = 1e-3, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
            let c1 = 1 - Foundation.pow(b1, t), c2 = 1 - Foundation.pow(b2, t)
            p.withUnsafeMutableBufferPointer { pp in m.withUnsafeMutableBufferPointer { mp in v.withUnsafeMutableBufferPointer { vp in
                Adam.update(pp.baseAddress!, g, mp.baseAddress!, vp.baseAddress!, count: count,
                            lr: lr, b1: b1, b2: b2, eps: eps, c1: c1, c2: c2)
            } } }
            for i in 0..<count {
                withUnsafeMutablePointer(to: &ps[i]) { pp in withUnsafeMutablePointer(to: &ms[i]) { mp in
                    withUnsafeMutablePointer(to: &vs[i]) { vp in
                        Adam.updateOne(pp, g[i], mp, vp, lr: lr, b1: b1, b2: b2, eps: eps, c1: c1, c2: c2)
                    } } }
            }
            #expect(p.map(\.bitPattern) == ps.map(\.bitPattern), "parameters after step \(step)")
            #expect(m.map(\.bitPattern) == ms.map(\.bitPattern), "first moments after step \(step)")
            #expect(v.map(\.bitPattern) == vs.map(\.bitPattern), "second moments after step \(step)")
        }
        #expect((0..<count).allSatisfy { $0 % 3 == 0 || p[$0] != start[$0] }, "every parameter with a gradient moved")
    }
}
