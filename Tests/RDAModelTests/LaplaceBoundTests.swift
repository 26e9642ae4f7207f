import Testing
import Foundation
import RDACore
import RDAModel

/// Blahut-Arimoto at slope -lambda for a discretized source: masses `p` on points `x`, the same
/// points as reproduction alphabet, distortion |x - x_hat|. Returns the rate (nats) and distortion
/// of the converged test channel.
///
///   q(x_hat) <- q(x_hat) sum_x p(x) A(x, x_hat) / c(x),  A = exp(-lambda |x - x_hat|),
///   c(x) = sum_x_hat q(x_hat) A(x, x_hat);  channel Q(x_hat | x) = q(x_hat) A(x, x_hat) / c(x).
func blahutArimotoAbsoluteError(x: [Double], p: [Double], lambda: Double, iterations: Int) -> (rate: Double, distortion: Double) {
    let n = x.count
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { a[i * n + j] = Foundation.exp(-lambda * Swift.abs(x[i] - x[j])) } }
    var q = [Double](repeating: 1 / Double(n), count: n)
    var c = [Double](repeating: 0, count: n)
    func normalizers() {
        for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += a[i * n + j] * q[j] }
            c[i] = s
        }
    }
    for _ in 0..<iterations {
        normalizers()
        var next = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let w = p[i] / c[i]
            for j in 0..<n { next[j] += w * a[i * n + j] }
        }
        for j in 0..<n { q[j] *= next[j] }
    }
    normalizers()
    var rate = 0.0, dist = 0.0
    for i in 0..<n {
        for j in 0..<n where q[j] > 0 {
            let channel = q[j] * a[i * n + j] / c[i]
            guard channel > 0 else { continue }
            dist += p[i] * channel * Swift.abs(x[i] - x[j])
            rate += p[i] * channel * Foundation.log(channel / q[j])
        }
    }
    return (rate, dist)
}

/// A Laplace(b) density on the grid -L...L with step h, as masses.
func discretizedLaplace(scale b: Double, step h: Double, halfWidth: Double) -> (x: [Double], p: [Double]) {
    let m = Int((halfWidth / h).rounded())
    let x = (-m...m).map { Double($0) * h }
    let w = x.map { Foundation.exp(-Swift.abs($0) / b) }
    let total = w.reduce(0, +)
    return (x, w.map { $0 / total })
}

@Suite("Laplace source and its R(D) under absolute error")
struct LaplaceBoundTests {
    @Test func blahutArimotoAgreesWithTheClosedForm() {
        // Two components at lambda 2: b = 1 is coded at D = 1/lambda = 0.5 with R = ln 2; b = 0.3
        // lies below the level and costs no rate (D = b). Grid step h with h * lambda = 0.1
        // (the discretization error is about 1e-3), tails cut at 12 b.
        let lambda = 2.0, scales = [1.0, 0.3]
        var rate = 0.0, dist = 0.0
        for b in scales {
            let (x, p) = discretizedLaplace(scale: b, step: 0.05, halfWidth: 12 * b)
            let ba = blahutArimotoAbsoluteError(x: x, p: p, lambda: lambda, iterations: 300)
            rate += ba.rate; dist += ba.distortion
        }
        let exact = LaplaceRateDistortion(scales: scales).optimum(lambda: lambda)
        #expect(Swift.abs(exact.rateNats - Foundation.log(2)) < 1e-12 && Swift.abs(exact.distortion - 0.8) < 1e-12)
        #expect(Swift.abs(rate - exact.rateNats) < 3e-3, "BA rate \(rate) vs \(exact.rateNats)")
        #expect(Swift.abs(dist - exact.distortion) < 3e-3, "BA distortion \(dist) vs \(exact.distortion)")
        #expect(Swift.abs((rate + lambda * dist) - exact.objective) < 3e-3)
    }

    @Test func curveIsConsistent() {
        let rd = LaplaceRateDistortion(scales: [2, 1, 0.5])
        for lambda in [0.3, 1, 2.5, 8] {
            let opt = rd.optimum(lambda: lambda)
            // R(D) at the optimum's distortion is the optimum's rate
            #expect(Swift.abs(rd.rate(atDistortion: opt.distortion) - opt.rateNats) < 1e-9)
            // the slope there is -lambda (central difference)
            let h = 1e-5 * opt.distortion
            let slope = (rd.rate(atDistortion: opt.distortion + h) - rd.rate(atDistortion: opt.distortion - h)) / (2 * h)
            if opt.rateNats > 0 { #expect(Swift.abs(slope + lambda) < 1e-4 * lambda, "slope \(slope) at lambda \(lambda)") }
            // no point of the curve does better on rate + lambda * distortion
            for p in rd.curve(count: 400) { #expect(p.rateNats + lambda * p.distortion >= opt.objective - 1e-9) }
        }
        // one component: R(D) = ln(b / D) below b, 0 beyond
        let one = LaplaceRateDistortion(scales: [3])
        #expect(Swift.abs(one.rate(atDistortion: 0.75) - Foundation.log(4)) < 1e-9)
        #expect(one.rate(atDistortion: 3) == 0 && one.rate(atDistortion: 5) == 0)
        // a component's rate is additive over independent components
        #expect(Swift.abs(rd.optimum(lambda: 4).rateNats - (Foundation.log(8) + Foundation.log(4) + Foundation.log(2))) < 1e-12)
    }

    @Test func laplaceSpecsParseOrExplain() throws {
        #expect(try DataSource.parse("laplace:2,1,0.5") == .laplace([2, 1, 0.5]))
        #expect(try DataSource.parse("Laplace: 1 , 0.25") == .laplace([1, 0.25]))
        #expect(DataSource.laplace([2, 0.5]).description == "laplace:2,0.5")
        for (bad, word) in [("laplace:", "no scales"), ("laplace:0", "not positive"), ("laplace:-1,2", "not positive"),
                            ("laplace:abc", "not a number"), ("laplace:1,,2", "not a number"), ("laplace:inf", "not a number")] {
            do {
                _ = try DataSource.parse(bad)
                Issue.record("\(bad) parsed")
            } catch let e as RDAError {
                #expect(e.description.contains(word) && e.description.contains("laplace:"), "\(bad): \(e.description)")
            }
        }
    }

    @Test func laplaceSourceHasItsScalesAndSeparateSplits() throws {
        let src = DataSource.laplace([2, 0.25])
        let n = 40_000
        let train = try src.load(split: .train, dataDir: nil, examples: n)
        let test = try src.load(split: .test, dataDir: nil, testExamples: 1000)
        let v = train.examples.values
        for (j, b) in [2.0, 0.25].enumerated() {
            let col = stride(from: j, to: v.count, by: 2).map { Double(v[$0]) }
            let meanAbs = col.map(Swift.abs).reduce(0, +) / Double(n)
            let mean = col.reduce(0, +) / Double(n)
            let variance = col.map { $0 * $0 }.reduce(0, +) / Double(n)
            // E|y| = b (sd b / sqrt n), E y = 0 (sd sqrt 2 b / sqrt n), E y^2 = 2 b^2 (sd sqrt 20 b^2 / sqrt n)
            #expect(Swift.abs(meanAbs - b) < 5 * b / Double(n).squareRoot(), "E|y| \(meanAbs) vs \(b)")
            #expect(Swift.abs(mean) < 5 * 1.5 * b / Double(n).squareRoot())
            #expect(Swift.abs(variance - 2 * b * b) < 5 * 4.5 * b * b / Double(n).squareRoot())
            // the median of |y| is b ln 2
            let below = col.filter { Swift.abs($0) < b * Foundation.log(2) }.count
            #expect(Swift.abs(Double(below) / Double(n) - 0.5) < 5 * 0.5 / Double(n).squareRoot())
        }
        #expect(Array(train.examples.values.prefix(4)) != Array(test.examples.values.prefix(4)))
        #expect(try src.load(split: .train, dataDir: nil, examples: n).examples.values == v)
        let otherSeed = try src.load(split: .train, dataDir: nil, examples: 10, dataSeed: 1)
        #expect(Array(otherSeed.examples.values.prefix(4)) != Array(v.prefix(4)))
    }

    @Test func boundChoiceMatchesSourceAndDistortion() {
        #expect(DataSource.gaussian([1]).exactBound(distortion: .l2).bound?.kind == "gaussian")
        #expect(DataSource.laplace([1]).exactBound(distortion: .l1).bound?.kind == "laplace")
        for (src, d, word) in [(DataSource.gaussian([1]), DistortionKind.l1, "l2"), (.laplace([1]), .l2, "l1"),
                               (.idx("mnist"), .l2, "image"), (.idx("mnist"), .l1, "image")] {
            let choice = src.exactBound(distortion: d)
            #expect(choice.bound == nil)
            #expect(choice.reason?.contains(word) == true, "\(src) \(d): \(choice.reason ?? "")")
        }
        #expect(DataSource.laplace([1]).defaultDistortion == .l1 && DataSource.gaussian([1]).defaultDistortion == .l2)
    }

    /// A linear RDA on a Laplace source under l1 cannot beat the exact bound (it is a lower bound on
    /// rate + lambda * distortion for every code), and the report names it.
    @Test func linearModelStaysAboveTheLaplaceBound() throws {
        let src = DataSource.laplace([2, 1, 0.5])
        let train = try src.load(split: .train, dataDir: nil, examples: 10_000)
        let test = try src.load(split: .test, dataDir: nil, testExamples: 10_000)
        var rng = SeededGenerator(seed: 3)
        let cfg = ModelConfig(arch: .linear, exampleShape: [3], latentDim: 3, widths: [],
                              distortion: .l1, lambda: 2, sigmoidOutput: false, data: src.description)
        let model = RateDistortionAutoencoder(config: cfg, rng: &rng)
        var opts = TrainingOptions()
        opts.schedule = .cosine   // annealed (TrainingOptions() has the image default, constant)
        opts.epochs = 6; opts.learningRate = 1e-2; opts.testExamplesPerEpoch = 0
        _ = try Trainer(model: model, options: opts).train(on: train, test: nil)
        let report = try Evaluator.evaluate(model: model, data: test, split: .test, dataName: src.description, seed: 4,
                                            miExamples: 1000, bound: src.exactBound(distortion: .l1))
        let bound = try #require(report.bound)
        #expect(bound.kind == "laplace" && report.boundNote == nil)
        // lambda 2: theta = 0.5, D = 0.5 + 0.5 + 0.5, R = ln 4 + ln 2 + 0
        #expect(Swift.abs(bound.objective - (Foundation.log(8) + 3)) < 1e-9)
        #expect(report.objective >= bound.objective - 5 * report.objectiveStderr)
        #expect(report.objective < bound.objective * 1.25, "objective \(report.objective) vs bound \(bound.objective)")
        // the same model scored with the Gaussian-source choice gets no bound, and says why
        let none = try Evaluator.evaluate(model: model, data: test, split: .test, dataName: src.description, seed: 4,
                                          miExamples: 100, bound: DataSource.gaussian([2, 1, 0.5]).exactBound(distortion: .l2))
        #expect(none.bound == nil && none.boundNote?.contains("l2") == true)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(none)) as! [String: Any]
        #expect(json["bound"] is NSNull && json["bound_note"] is String)
        let back = try JSONDecoder().decode(EvaluationReport.self, from: JSONEncoder().encode(report))
        #expect(back.bound?.objective == bound.objective && back.bound?.kind == "laplace")
        // a report written without the key (older eval.json) still reads, with no bound
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
        old["bound"] = nil
        let legacy = try JSONDecoder().decode(EvaluationReport.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(legacy.bound == nil && legacy.objective == report.objective)
    }
}
