import Foundation

/// The one thread a ``Simulation`` runs on: a task executor that runs its jobs one at a time in the order
/// they were enqueued, and, when it has none, advances the simulation's ``VirtualClock`` to the next
/// deadline. Everything the simulation starts (child tasks, default actors) runs here, so a run with the
/// same inputs interleaves the same way every time, and time jumps the moment everyone waits on it.
final class SimulationExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs`, `isStopped` and `idleSince` are read and written only while `condition`
    // is locked; `clock` is itself Sendable and `thread` is set once before any job arrives.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var isStopped = false
    private let clock: VirtualClock
    private let stallLimit: TimeInterval
    private let onStall: @Sendable () -> Void
    private var thread: Thread?

    /// An executor advancing `clock`; `onStall` runs (once per stall) when nothing has run for
    /// `stallLimit` seconds of real time with no one asleep on the clock: the simulation waits on
    /// something outside it.
    init(clock: VirtualClock, stallLimit: TimeInterval, onStall: @escaping @Sendable () -> Void) {
        self.clock = clock
        self.stallLimit = stallLimit
        self.onStall = onStall
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Starts the run loop's thread.
    func start() {
        let thread = Thread { [self] in runLoop() }
        thread.name = "herald.simulation"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Ends the run loop once its queue is empty.
    func stop() {
        condition.lock()
        isStopped = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        let executor = asUnownedTaskExecutor()
        while let job = nextJob() {
            job.runSynchronously(on: executor)
        }
    }

    /// The next job to run, advancing the clock while there is none; `nil` once stopped and empty.
    private func nextJob() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head > 1_024, head * 2 > jobs.count {
                    jobs.removeFirst(head)
                    head = 0
                }
                return job
            }
            if isStopped { return nil }
            condition.unlock()
            let advanced = clock.advanceToNextDeadline()
            condition.lock()
            if advanced { continue }
            if head < jobs.count || isStopped { continue }
            if !condition.wait(until: Date(timeIntervalSinceNow: stallLimit)), head >= jobs.count, !isStopped {
                condition.unlock()
                onStall()
                condition.lock()
            }
        }
    }
}
