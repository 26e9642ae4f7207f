import Testing
import Foundation
import RDACore
import RDAKernels

@Suite(.serialized) struct TmpTiming {
    func time(_ label: String, _ reps: Int = 20, _ body: () -> Void) {
        body()
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<reps { body() }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(reps)
        print(String(format: "TIMING %-40@ %8.3f ms", label as NSString, ms))
    }

    @Test func layers() {
        let threads = Int(ProcessInfo.processInfo.environment["TT"] ?? "1")!
        Threads.set(threads)
        var rng = SeededGenerator(seed: 1)
        let n = 128
        let x1 = Tensor.randomUniform([n, 1, 28, 28], low: 0, high: 1, using: &rng)
        let w1 = Tensor.randomUniform([32, 1, 4, 4], low: -0.2, high: 0.2, using: &rng).requiringGrad()
        let b1 = Tensor(zeros: [32]).requiringGrad()
        let x2 = Tensor.randomUniform([n, 32, 14, 14], low: 0, high: 1, using: &rng).requiringGrad()
        let w2 = Tensor.randomUniform([64, 32, 4, 4], low: -0.05, high: 0.05, using: &rng).requiringGrad()
        let b2 = Tensor(zeros: [64]).requiringGrad()
        let x3 = Tensor.randomUniform([n, 64, 7, 7], low: 0, high: 1, using: &rng).requiringGrad()
        let w3 = Tensor.randomUniform([64, 32, 4, 4], low: -0.05, high: 0.05, using: &rng).requiringGrad()
        let x4 = Tensor.randomUniform([n, 32, 14, 14], low: 0, high: 1, using: &rng).requiringGrad()
        let w4 = Tensor.randomUniform([32, 1, 4, 4], low: -0.2, high: 0.2, using: &rng).requiringGrad()
        let b4 = Tensor(zeros: [1]).requiringGrad()
        time("conv1 fwd") { _ = withoutGradients { Tensor.conv2d(x1, weight: w1, bias: b1, stride: 2, padding: 1, activation: .relu) } }
        time("conv1 fwd+bwd") { Tensor.conv2d(x1, weight: w1, bias: b1, stride: 2, padding: 1, activation: .relu).sum().backward() }
        time("conv2 fwd") { _ = withoutGradients { Tensor.conv2d(x2, weight: w2, bias: b2, stride: 2, padding: 1, activation: .relu) } }
        time("conv2 fwd+bwd") { Tensor.conv2d(x2, weight: w2, bias: b2, stride: 2, padding: 1, activation: .relu).sum().backward() }
        time("convT1 fwd") { _ = withoutGradients { Tensor.convTranspose2d(x3, weight: w3, bias: b1, stride: 2, padding: 1, activation: .relu) } }
        time("convT1 fwd+bwd") { Tensor.convTranspose2d(x3, weight: w3, bias: b1, stride: 2, padding: 1, activation: .relu).sum().backward() }
        time("convT2 fwd") { _ = withoutGradients { Tensor.convTranspose2d(x4, weight: w4, bias: b4, stride: 2, padding: 1, activation: .sigmoid) } }
        time("convT2 fwd+bwd") { Tensor.convTranspose2d(x4, weight: w4, bias: b4, stride: 2, padding: 1, activation: .sigmoid).sum().backward() }
        let xs = Tensor.randomUniform([n, 3136], low: 0, high: 1, using: &rng).requiringGrad()
        let wl = Tensor.randomUniform([64, 3136], low: -0.01, high: 0.01, using: &rng).requiringGrad()
        time("lin_e fwd+bwd") { Tensor.linear(xs, weight: wl, bias: nil).sum().backward() }
        let z = Tensor.randomUniform([n, 32], low: 0, high: 1, using: &rng).requiringGrad()
        let wd = Tensor.randomUniform([3136, 32], low: -0.01, high: 0.01, using: &rng).requiringGrad()
        time("lin_d fwd+bwd") { Tensor.linear(z, weight: wd, bias: nil, activation: .relu).sum().backward() }
    }
}
