// OpenBLAS, loaded at run time with dlopen: no build dependency, and a clean fallback to the
// pure-Swift kernels when the library is not installed.
import Foundation

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
    static let shared: OpenBLAS? = {
        guard let lib = OpenBLAS() else { return nil }
        lib.setThreadCount(WorkerPool.shared.threadCount)
        return lib
    }()

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
        setThreads?(Int32(clamping: n))
    }

    /// The CPU core OpenBLAS selected its kernels for (e.g. "Haswell"), when it says.
    var coreName: String? {
        guard let get = getCoreName, let name = get() else { return nil }
        return String(cString: name)
    }
}
