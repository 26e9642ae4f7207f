// OpenBLAS, loaded at run time with dlopen: no build dependency, and a clean fallback to the
// pure-Swift kernels when the library is not installed.
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

final class OpenBLAS: @unchecked Sendable {
    // CBLAS enum values (cblas.h).
    static let rowMajor: Int32 = 101
    static let noTrans: Int32 = 111
    static let trans: Int32 = 112

    typealias SGEMM = @convention(c) (
        Int32, Int32, Int32,  // order, transA, transB
        Int32, Int32, Int32,  // m, n, k
        Float, UnsafePointer<Float>?, Int32,  // alpha, a, lda
        UnsafePointer<Float>?, Int32,  // b, ldb
        Float, UnsafeMutablePointer<Float>?, Int32  // beta, c, ldc
    ) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void
    typealias GetCoreName = @convention(c) () -> UnsafePointer<CChar>?

    let sgemm: SGEMM
    private let setThreads: SetThreads?
    private let getCoreName: GetCoreName?

    /// The loaded library, or nil when neither `libopenblas.so.0` nor `libopenblas.so` (nor the
    /// macOS dylib) can be opened or lacks `cblas_sgemm`. Loading sets OpenBLAS's thread count
    /// to `WorkerPool.shared.threadCount`, so that `RDA_THREADS` governs both.
    ///
    /// With `RDA_GEMM=swift` the library is never opened (nil): its constructor starts threads
    /// and allocates buffers, which under a memory limit could hang the process at exit. Before
    /// opening it, `OPENBLAS_NUM_THREADS` is set to `threadLimit(WorkerPool.shared.threadCount)`
    /// (or kept when the user's is lower), so that the threads its constructor starts are bounded
    /// by rda's pool too.
    static let shared: OpenBLAS? = {
        guard GEMM.requestedBackend != .swift else { return nil }
        let threads = threadLimit(WorkerPool.shared.threadCount)
        let own = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap { Int($0) }
        if own.map({ $0 < 1 || $0 > threads }) ?? true { setenv("OPENBLAS_NUM_THREADS", "\(threads)", 1) }
        guard let lib = OpenBLAS() else { return nil }
        lib.setThreadCount(WorkerPool.shared.threadCount)
        loadedFlag.store(true, ordering: .releasing)
        return lib
    }()

    private static let loadedFlag = Atomic<Bool>(false)

    /// The library when something has already loaded it, else nil (never loads it): setting the
    /// thread count must not open a library that nothing uses.
    static var loaded: OpenBLAS? { loadedFlag.load(ordering: .acquiring) ? shared : nil }

    /// OpenBLAS's threads for a pool of `poolThreads`: no more than the pool, nor than the active
    /// processors (its threads busy-wait; more of them than cores only compete).
    static func threadLimit(_ poolThreads: Int) -> Int {
        max(1, min(poolThreads, ProcessInfo.processInfo.activeProcessorCount))
    }

    private init?() {
        let names = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.0.dylib"]
        for name in names {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            guard let symbol = dlsym(handle, "cblas_sgemm") else {
                dlclose(handle)
                continue
            }
            sgemm = unsafeBitCast(symbol, to: SGEMM.self)
            setThreads = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
            getCoreName = dlsym(handle, "openblas_get_corename").map { unsafeBitCast($0, to: GetCoreName.self) }
            return
        }
        return nil
    }

    func setThreadCount(_ n: Int) {
        setThreads?(Int32(clamping: Self.threadLimit(n)))
    }

    /// The CPU core OpenBLAS selected its kernels for (e.g. "Haswell"), when it says.
    var coreName: String? {
        guard let get = getCoreName, let name = get() else { return nil }
        return String(cString: name)
    }
}
