// Timing of GEMM backends on the shapes rda trains with.
import Foundation
import RDAKernels

public enum GEMMBenchmark {
    /// The products of a training step of the mlp autoencoder's large layers (784↔512 and
    /// 512↔256) at batch 128. For a layer Y = X W^T with X: batch×in and W: out×in:
    /// forward Y = X W^T (NT, m = batch, n = out, k = in), input gradient dX = dY W
    /// (NN, m = batch, n = in, k = out) and weight gradient dW = dY^T X (TN, m = out, n = in,
    /// k = batch). The NN entries 128x784x512 and 128x512x256 are also the decoder's forward
    /// products in Y = X W form.
    public static let trainingShapes: [GEMMShape] = [
        GEMMShape(m: 128, n: 784, k: 512, isTraining: true),
        GEMMShape(m: 128, n: 512, k: 784, transB: true, isTraining: true),
        GEMMShape(m: 512, n: 784, k: 128, transA: true, isTraining: true),
        GEMMShape(m: 128, n: 512, k: 256, isTraining: true),
        GEMMShape(m: 128, n: 256, k: 512, transB: true, isTraining: true),
        GEMMShape(m: 256, n: 512, k: 128, transA: true, isTraining: true),
    ]

    /// Large square products: 512^3 and 1024^3.
    public static let squareShapes: [GEMMShape] = [
        GEMMShape(m: 512, n: 512, k: 512),
        GEMMShape(m: 1024, n: 1024, k: 1024),
    ]

    /// The training shapes followed by the square ones.
    public static var standardShapes: [GEMMShape] { trainingShapes + squareShapes }

    /// GFLOP/s (2·m·n·k flops a product) of `backend` on `threads` threads: the median of
    /// `repetitions` timed windows after one warm-up window, each window repeating the product
    /// until it lasts at least `windowSeconds`. The thread count of `Threads` is restored after.
    /// `isa` picks the Swift kernel's instruction set (nil: `KernelISA.active`).
    public static func gflops(
        backend: GEMMBackend, threads: Int, shape: GEMMShape, isa: KernelISA? = nil,
        repetitions: Int = 7, windowSeconds: Double = 0.02
    ) -> Double {
        let previousThreads = Threads.count
        Threads.set(threads)
        defer { Threads.set(previousThreads) }

        let m = shape.m, n = shape.n, k = shape.k
        let lda = shape.transA ? m : k
        let ldb = shape.transB ? k : n
        let a = filled(count: m * k, seed: 1)
        let b = filled(count: k * n, seed: 2)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        c.initialize(repeating: 0, count: m * n)
        defer {
            a.deallocate()
            b.deallocate()
            c.deallocate()
        }
        func product() {
            GEMM.sgemm(backend: backend, isa: isa, transA: shape.transA, transB: shape.transB, m: m, n: n, k: k,
                       alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: n)
        }

        // Calibrate the number of products per window.
        product()
        var calls = 1
        while true {
            let t = time { for _ in 0..<calls { product() } }
            if t >= windowSeconds || calls >= 1 << 20 { break }
            calls = t <= 0 ? calls * 8 : max(calls * 2, Int((Double(calls) * windowSeconds * 1.2 / t).rounded(.up)))
        }
        var rates: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let t = time { for _ in 0..<calls { product() } }
            rates.append(shape.flops * Double(calls) / t / 1e9)
        }
        rates.sort()
        if backend == .openblas && threads > 1 && GEMM.isOpenBLASAvailable {
            // OpenBLAS's idle threads keep spinning (with sched_yield) for about 0.1 s after a
            // product and would take half a core from whatever is measured next.
            Thread.sleep(forTimeInterval: openBLASSettleSeconds)
        }
        return rates[rates.count / 2]
    }

    /// The FMA peak of `isa` on `threads` threads (of `WorkerPool.shared`, at most its size):
    /// GFLOP/s of 12 independent vector FMA chains per thread, the best of `repetitions`
    /// windows of about `windowSeconds`. The ceiling a GEMM of that instruction set can reach.
    public static func fmaPeak(isa: KernelISA, threads: Int, repetitions: Int = 5, windowSeconds: Double = 0.05) -> Double {
        let previousThreads = Threads.count
        Threads.set(threads)
        defer { Threads.set(previousThreads) }
        let parts = WorkerPool.shared.threadCount
        var iterations = 100_000
        var flopsPerThread = 0.0
        while time({ flopsPerThread = KernelISA.fmaLoop(isa, iterations: iterations) }) < windowSeconds / 4 && iterations < 1 << 34 {
            iterations *= 2
        }
        flopsPerThread = KernelISA.fmaLoop(isa, iterations: iterations)
        var best = 0.0
        for _ in 0..<max(1, repetitions) {
            let t = time { WorkerPool.shared.parallelFor(parts) { _ in _ = KernelISA.fmaLoop(isa, iterations: iterations) } }
            best = max(best, Double(parts) * flopsPerThread / t / 1e9)
        }
        return best
    }

    /// How long to pause after timing OpenBLAS on several threads (see `gflops`).
    public static let openBLASSettleSeconds = 0.2

    /// The backends that can run here (`.openblas` only when it loads).
    public static var availableBackends: [GEMMBackend] {
        GEMMBackend.allCases.filter { $0 != .openblas || GEMM.isOpenBLASAvailable }
    }

    private static func filled(count: Int, seed: UInt32) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        var state = seed &* 2_654_435_761 &+ 12345
        for i in 0..<count {
            state = state &* 1_664_525 &+ 1_013_904_223
            p[i] = Float(state >> 8) / Float(1 << 24) - 0.5
        }
        return p
    }

    private static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }
}
