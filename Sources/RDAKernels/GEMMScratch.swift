// Per-thread packing buffers for the pure-Swift GEMM.
//
// Each thread that runs part of a product keeps its own pair of buffers for its packed A and B
// panels. Allocating them per call would cost page faults (the B block is up to a megabyte), and
// a shared free list hands a thread buffers last written by the other core, so that every packed
// cache line has to be fetched from there first: measured as a 20% slower worker thread.
// The buffers live in thread-specific storage and are freed when their thread exits.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

final class GEMMScratch {
    let a: UnsafeMutablePointer<Float>
    let b: UnsafeMutablePointer<Float>
    let aCapacity: Int
    let bCapacity: Int

    private init(aCapacity: Int, bCapacity: Int) {
        self.aCapacity = aCapacity
        self.bCapacity = bCapacity
        a = UnsafeMutableRawPointer.allocate(byteCount: aCapacity * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: aCapacity)
        b = UnsafeMutableRawPointer.allocate(byteCount: bCapacity * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: bCapacity)
    }

    deinit {
        UnsafeMutableRawPointer(a).deallocate()
        UnsafeMutableRawPointer(b).deallocate()
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<GEMMScratch>.fromOpaque(pointer).release()
        }
        precondition(status == 0, "pthread_key_create failed")
        return key
    }()

    /// The calling thread's buffers, with room for at least `a` and `b` floats. When they have to
    /// grow they get at least the `minimum` sizes, so that the differently sized blocks of later
    /// products fit without another allocation. Valid until the thread's next call.
    static func forCurrentThread(a: Int, b: Int, minimumA: Int = 0, minimumB: Int = 0) -> GEMMScratch {
        if let pointer = pthread_getspecific(key) {
            let current = Unmanaged<GEMMScratch>.fromOpaque(pointer).takeUnretainedValue()
            if current.aCapacity >= a && current.bCapacity >= b { return current }
            Unmanaged<GEMMScratch>.fromOpaque(pointer).release()
        }
        let fresh = GEMMScratch(
            aCapacity: max(a, minimumA), bCapacity: max(b, minimumB))
        pthread_setspecific(key, Unmanaged.passRetained(fresh).toOpaque())
        return fresh
    }
}
