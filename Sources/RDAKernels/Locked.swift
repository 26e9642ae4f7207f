import Foundation

/// A value that threads share, guarded by a pthread mutex.
///
/// rda's locks are pthread mutexes rather than `Synchronization.Mutex`, which on Linux waits on
/// a raw futex that ThreadSanitizer does not see: under TSan every access guarded by such a
/// mutex is reported as a race. A pthread mutex is intercepted, so the CI's TSan run checks the
/// accesses these locks guard.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// A lock guarding `value`.
    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` on the value with the lock held.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
