import Foundation
import Synchronization
import Testing

@testable import RDAKernels

@Suite("WorkerPool")
struct WorkerPoolTests {
    /// Counts how often each index was visited.
    private func visits(pool: WorkerPool, count: Int) -> [Int] {
        var hits = [Int](repeating: 0, count: count)
        hits.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress
            pool.parallelFor(count) { i in
                // Each index is written by exactly one thread if the pool is right; a double
                // visit shows up as a 2 (races on the same index would need a double visit).
                base![i] += 1
            }
        }
        return hits
    }

    @Test("each index exactly once", arguments: [1, 2, 3])
    func coversEachIndexOnce(threads: Int) {
        let pool = WorkerPool(threadCount: threads)
        #expect(pool.threadCount == threads)
        for count in [0, 1, 3, 1000] {
            for _ in 0..<20 {
                let hits = visits(pool: pool, count: count)
                #expect(hits.count == count)
                #expect(hits.allSatisfy { $0 == 1 }, "count \(count)")
            }
        }
    }

    @Test("work really is shared between threads")
    func usesSeveralThreads() {
        let pool = WorkerPool(threadCount: 2)
        let seen = Locked<Set<String>>([])
        // Long enough bodies that the worker wakes up and claims some.
        for _ in 0..<50 {
            pool.parallelFor(64) { _ in
                var x = 0.0
                for j in 0..<20_000 { x += Double(j).squareRoot() }
                let name = "\(pthread_self())\(x > 0 ? "" : "!")"
                seen.withLock { _ = $0.insert(name) }
            }
        }
        #expect(seen.withLock { $0.count } == 2)
    }

    @Test("nested calls run serially without deadlock")
    func nested() {
        let pool = WorkerPool(threadCount: 2)
        var hits = [Int](repeating: 0, count: 8 * 16)
        hits.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            pool.parallelFor(8) { i in
                pool.parallelFor(16) { j in
                    base[i * 16 + j] += 1
                }
            }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }

    @Test("setThreadCount changes the count and clamps")
    func threadCount() {
        let pool = WorkerPool(threadCount: 1)
        #expect(pool.threadCount == 1)
        pool.setThreadCount(2)
        #expect(pool.threadCount == 2)
        #expect(visits(pool: pool, count: 100).allSatisfy { $0 == 1 })
        pool.setThreadCount(1)
        #expect(pool.threadCount == 1)
        #expect(visits(pool: pool, count: 100).allSatisfy { $0 == 1 })
        pool.setThreadCount(0)
        #expect(pool.threadCount == 1)
        pool.setThreadCount(1000)
        #expect(pool.threadCount == 64)
        pool.setThreadCount(2)
        #expect(visits(pool: pool, count: 1000).allSatisfy { $0 == 1 })
    }

    @Test("calls from several threads at once all complete")
    func concurrentCallers() async {
        let pool = WorkerPool(threadCount: 2)
        let total = Atomic<Int>(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50 {
                        pool.parallelFor(10) { _ in total.add(1, ordering: .relaxed) }
                    }
                }
            }
        }
        #expect(total.load(ordering: .relaxed) == 4 * 50 * 10)
    }

    @Test("Threads.set updates the shared pool")
    func threadsSet() {
        let previous = Threads.count
        Threads.set(1)
        #expect(Threads.count == 1)
        Threads.set(2)
        #expect(Threads.count == 2)
        Threads.set(previous)
        #expect(Threads.count == previous)
    }
}
