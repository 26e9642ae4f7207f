// A small persistent thread pool for fork-join loops.
//
// `DispatchQueue.concurrentPerform` costs 25-45 µs a call on the 2-core development machines, more
// than a whole 128^3 product. This pool keeps `threadCount - 1` worker threads alive; after a job
// they spin for a short while watching for the next one and only then park on a condition
// variable, so back-to-back loops (a training step) start in well under a microsecond.
//
// Protocol (all atomics sequentially consistent):
// - `ticket` is even while no job is open and odd while one is. A job is opened by storing its
//   body, count and a zeroed `next`, then incrementing `ticket` to the odd value.
// - A worker that sees a new odd ticket `t` registers in `active`, then re-reads `ticket`: if it
//   is still `t`, the job cannot be closed and replaced under it until it deregisters, so it may
//   read the body and claim indices with `next.fetchAdd`. Otherwise it deregisters and waits.
// - The caller claims indices as well; once `next` has run past `count` it closes the job (ticket
//   becomes even) and waits for `active` to reach zero: every claimed index has then finished.
//   A slow or descheduled worker that never woke up is not waited for.
// - Only one job runs at a time: `busy` is taken with a compare-exchange; a call made while the
//   pool is busy (a nested call from a body, or a call from another thread) runs serially.
import Foundation
import Synchronization

/// Worker threads hold strong references to their pool, so a pool lives as long as the process:
/// make few of them (`shared`, or small ones in tests).
public final class WorkerPool: @unchecked Sendable {
    /// The process-wide pool. Its size comes from `RDA_THREADS` or the number of active processors.
    public static let shared = WorkerPool(threadCount: WorkerPool.defaultThreadCount())

    /// `RDA_THREADS` when set to a whole number in 1...64, else the number of active processors
    /// (the command line refuses any other value first: `Threads.environmentProblem`).
    static func defaultThreadCount() -> Int {
        if let text = ProcessInfo.processInfo.environment["RDA_THREADS"], let n = Threads.parse(text) {
            return n
        }
        return max(1, min(ProcessInfo.processInfo.activeProcessorCount, maxThreads))
    }

    static let maxThreads = 64

    /// How long a worker polls for a new job after its last one before parking. Waking a parked
    /// worker costs the caller a futex system call (about 6 µs measured) and the worker tens of
    /// µs; a training step issues its products well within this window of each other.
    static let spinNanoseconds: UInt64 = 200_000

    // Job description, written by the caller before the ticket is opened.
    private typealias Body = (Int) -> Void
    private var jobBody: UnsafeMutablePointer<Body>?
    private var jobCount = 0

    private let ticket = Atomic<Int>(0)
    private let next = Atomic<Int>(0)
    private let active = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let participants = Atomic<Int>(0)  // workers allowed to take part: threadCount - 1
    private let sleepers = Atomic<Int>(0)

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var workersStarted = 0  // guarded by `mutex`

    /// Total threads that take part in `parallelFor`, the calling thread included.
    public var threadCount: Int { participants.load(ordering: .sequentiallyConsistent) + 1 }

    public init(threadCount: Int) {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        setThreadCount(threadCount)
    }

    /// Sets the number of threads (the caller included), clamped to 1...64. Workers are started
    /// on demand and never stopped; surplus workers simply stay parked.
    public func setThreadCount(_ n: Int) {
        let wanted = max(1, min(n, WorkerPool.maxThreads))
        pthread_mutex_lock(mutex)
        while workersStarted < wanted - 1 {
            let index = workersStarted
            workersStarted += 1
            let thread = Thread { [self] in self.workerLoop(index: index) }
            thread.name = "rda-worker-\(index)"
            thread.start()
        }
        participants.store(wanted - 1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }

    /// Runs `body(i)` for every `i` in `0..<count`, split over up to `threadCount` threads; the
    /// calling thread takes part. Returns when all are done. A call made from inside a body (or
    /// while another thread is using the pool) runs serially on the calling thread.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 || participants.load(ordering: .relaxed) == 0 {
            for i in 0..<count { body(i) }
            return
        }
        guard
            busy.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent)
                .exchanged
        else {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            withUnsafeTemporaryAllocation(of: Body.self, capacity: 1) { slot in
                let bodyPointer = slot.baseAddress!
                bodyPointer.initialize(to: escapable)
                run(count: count, body: bodyPointer)
                bodyPointer.deinitialize(count: 1)
            }
        }
        busy.store(false, ordering: .sequentiallyConsistent)
    }

    private func run(count: Int, body: UnsafeMutablePointer<Body>) {
        jobBody = body
        jobCount = count
        next.store(0, ordering: .sequentiallyConsistent)
        ticket.add(1, ordering: .sequentiallyConsistent)  // now odd: open
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        // Take part.
        while true {
            let i = next.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
            if i >= count { break }
            body.pointee(i)
        }
        ticket.add(1, ordering: .sequentiallyConsistent)  // now even: closed
        // Wait for workers still inside the job; yield after a while in case one of them was
        // preempted (the machine may have fewer free cores than threads).
        var spins = 0
        while active.load(ordering: .sequentiallyConsistent) != 0 {
            spins += 1
            if spins > 20_000 { sched_yield() }
        }
        jobBody = nil
    }

    /// Sleeps until the ticket moves on from `current` and returns the new value. The worker
    /// then spins again even if the job it was woken for is already over (a short job can finish
    /// before a woken worker runs): waking only for open jobs would leave it asleep through a
    /// stream of short jobs, each paying for a wake-up call.
    private func park(current: Int) -> Int {
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var t = ticket.load(ordering: .sequentiallyConsistent)
        while t == current {
            pthread_cond_wait(condition, mutex)
            t = ticket.load(ordering: .sequentiallyConsistent)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return t
    }

    private func workerLoop(index: Int) {
        var seen = 0  // last ticket value this worker has dealt with
        while true {
            // Wait for an open ticket different from `seen`.
            var t = ticket.load(ordering: .sequentiallyConsistent)
            var spins: UInt32 = 0
            var deadline: UInt64 = 0
            while t == seen || t & 1 == 0 {
                spins &+= 1
                if spins & 255 == 0 {
                    let now = DispatchTime.now().uptimeNanoseconds
                    if deadline == 0 {
                        deadline = now + WorkerPool.spinNanoseconds
                    } else if now > deadline {
                        t = park(current: t)
                        deadline = 0
                        continue
                    }
                    // A woken worker may have been placed on the caller's CPU; yielding now and
                    // then lets the caller run instead of waiting out the whole spin window.
                    if spins & 4095 == 0 { sched_yield() }
                }
                t = ticket.load(ordering: .sequentiallyConsistent)
            }
            seen = t
            if index >= participants.load(ordering: .relaxed) { continue }
            active.add(1, ordering: .sequentiallyConsistent)
            if ticket.load(ordering: .sequentiallyConsistent) == t {
                let body = jobBody!
                let count = jobCount
                while true {
                    let i = next.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
                    if i >= count { break }
                    body.pointee(i)
                }
            }
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }
}

/// The number of threads used by rda's kernels: the worker pool and OpenBLAS together.
public enum Threads {
    /// Sets the thread count (clamped to 1...64) of `WorkerPool.shared` and of OpenBLAS when loaded.
    public static func set(_ n: Int) {
        let n = max(1, min(n, WorkerPool.maxThreads))
        WorkerPool.shared.setThreadCount(n)
        OpenBLAS.loaded?.setThreadCount(n)
    }

    /// `RDA_THREADS`'s value as a thread count: a whole number 1...64 (blanks around it allowed),
    /// else nil.
    static func parse(_ text: String) -> Int? {
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (1...WorkerPool.maxThreads).contains(n) else { return nil }
        return n
    }

    /// A one-line problem with `RDA_THREADS` or `RDA_GEMM` in `environment`, nil when both are
    /// unset or valid. `RDA_THREADS=0`, `-1`, `abc`, `1.5` or empty used to mean "every core";
    /// they are refused, so that a typo is not read as a request.
    public static func environmentProblem(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let text = environment["RDA_THREADS"], parse(text) == nil {
            return "RDA_THREADS=\"\(text)\" is not a thread count; give a whole number from 1 to \(WorkerPool.maxThreads), or unset it to use every core"
        }
        if let text = environment["RDA_GEMM"], GEMMBackend(rawValue: text.lowercased()) == nil {
            let names = GEMMBackend.allCases.map(\.rawValue).joined(separator: " or ")
            return "RDA_GEMM=\"\(text)\" is not a GEMM backend; give \(names), or unset it to let rda choose"
        }
        return nil
    }

    /// The current thread count of `WorkerPool.shared`.
    public static var count: Int { WorkerPool.shared.threadCount }
}
