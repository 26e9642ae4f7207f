import Foundation

/// Owned, 64-byte aligned Float32 storage of a fixed element count.
///
/// Buffers are recycled through `BufferPool`: when the last reference goes away the memory goes
/// back to a free list keyed by element count, so a training loop that builds the same graph every
/// step stops calling `malloc` after its first step.
public final class Buffer {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// A buffer of `count` elements whose contents are unspecified (recycled memory).
    init(uninitialized count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count)
    }

    /// A buffer of `count` zeros.
    convenience init(zeros count: Int) {
        self.init(uninitialized: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { BufferPool.shared.give(pointer, count) }
}

/// Free lists of raw Float32 allocations keyed by element count.
///
/// Capped per size (and in total bytes) so that a pass over unusual shapes cannot hoard memory.
public final class BufferPool {
    public static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let lock = NSLock()
    /// Largest number of bytes kept for reuse.
    public var capacityBytes = 1 << 30
    /// Allocations served from the system (not from the free lists) so far.
    public private(set) var systemAllocations = 0

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        lock.lock()
        if var list = free[n], let p = list.popLast() {
            free[n] = list
            pooledBytes -= n * 4
            lock.unlock()
            return p
        }
        systemAllocations += 1
        lock.unlock()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    func give(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        let n = max(count, 1)
        lock.lock()
        if pooledBytes + n * 4 <= capacityBytes {
            free[n, default: []].append(p)
            pooledBytes += n * 4
            lock.unlock()
        } else {
            lock.unlock()
            UnsafeMutableRawPointer(p).deallocate()
        }
    }

    /// Returns every pooled allocation to the system.
    public func drain() {
        lock.lock()
        for (_, list) in free { for p in list { UnsafeMutableRawPointer(p).deallocate() } }
        free = [:]
        pooledBytes = 0
        lock.unlock()
    }
}
