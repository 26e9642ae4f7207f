import Testing
import Foundation
import RDACore
import RDAModel

/// The quantized channel's rate split by latent dimension: -ln P_k(z~_k) under the float prior,
/// averaged over the evaluation set.
@Suite("Quantized channel: rate per latent dimension")
struct QuantizedRatePerDimensionTests {
    @Test func dimensionsSumToTheEvaluatedRateAndMatchTheMasses() throws {
        let k = 5
        let model = quantizedModel(k: k, seed: 3)
        var rng = SeededGenerator(seed: 9)
        let data = Dataset(examples: Tensor.randomUniform([300, 64], low: 0, high: 1, using: &rng), exampleShape: [1, 8, 8], isImage: true)
        let r = try Evaluator.evaluate(model: model, data: data, split: .test, dataName: "test", seed: 0)
        let perDim = try #require(r.ratePerDimNats)
        #expect(perDim.count == k)
        // The invariant: the dimensions' rates add up to the evaluated rate.
        #expect(Swift.abs(perDim.reduce(0, +) - r.rateNats) < 1e-5 * Swift.max(1, r.rateNats),
                "per-dimension sum \(perDim.reduce(0, +)) vs rate \(r.rateNats)")
        // A probability mass is at most 1: no dimension has a negative rate; and some carry rate.
        #expect(perDim.allSatisfy { $0 >= 0 } && perDim.contains { $0 > 0.1 }, "\(perDim)")
        // Each dimension against the prior's masses in double precision: mean over the examples of
        // -ln P_k(round(y_k)).
        let q = model.bottleneck as! QuantizedBottleneck
        let y = withoutGradients { model.forward(data.examples, noise: nil, mode: .noiseless).bottleneck.noiseless }
        let m = q.components
        for j in 0..<k {
            let params = { (t: Tensor) in Array(UnsafeBufferPointer(start: t.data + j * m, count: m)) }
            var sum = 0.0
            for i in 0..<data.count {
                let z = Double(y.data[i * k + j]).rounded(.toNearestOrAwayFromZero)
                sum -= Foundation.log(LogisticMixturePrior.mass(z, logits: params(q.logits), loc: params(q.loc), logScale: params(q.logScale)))
            }
            let expected = sum / Double(data.count)
            #expect(Swift.abs(perDim[j] - expected) < 1e-5 * Swift.max(1, expected), "dimension \(j): \(perDim[j]) vs \(expected)")
        }
    }

    @Test func perDimensionRatesAddUpToTheRateOp() {
        var rng = SeededGenerator(seed: 4)
        let n = 9, k = 3, m = 3
        let x = Tensor.randomNormal([n, k], using: &rng).scaled(by: 3)
        let logits = Tensor.randomNormal([k, m], using: &rng)
        let loc = Tensor.randomNormal([k, m], using: &rng).scaled(by: 2)
        let logScale = Tensor.randomUniform([k, m], low: -1.5, high: 1, using: &rng)
        let perDim = LogisticMixturePrior.ratePerDimension(x, logits: logits, loc: loc, logScale: logScale)
        let total = withoutGradients { LogisticMixturePrior.rate(x, logits: logits, loc: loc, logScale: logScale) }
        let sum = (0..<n).reduce(0.0) { $0 + Double(total.data[$1]) }
        #expect(perDim.count == k)
        #expect(Swift.abs(perDim.reduce(0, +) - sum) < 1e-5 * Swift.max(1, sum), "\(perDim.reduce(0, +)) vs \(sum)")
    }
}
