import Synchronization

/// Tasks waiting for a broker's consumer groups to become idle (see ``GroupCoordinator``).
///
/// Notify it under the lock that guards the state a waiter checks: a waiter registers before it takes
/// that lock to look, so a change either happens before its look or finds it registered.
package final class IdleWaiters: Sendable {
    private struct State {
        var waiters: [UInt64: AsyncSignal] = [:]
        var lastID: UInt64 = 0
    }

    // Mutex: waiters come and go from any task; notifications come from every settlement.
    private let state = Mutex(State())
    // Atomic: lets the notifications of every settlement skip the mutex while nobody waits.
    private let count = Atomic<Int>(0)

    /// Nobody waiting.
    package init() {}

    /// Wakes every waiter (they look again).
    package func notifyAll() {
        guard count.load(ordering: .sequentiallyConsistent) > 0 else { return }
        state.withLock { state in
            for waiter in state.waiters.values { waiter.notify() }
        }
    }

    /// Waits until `busy` reports nothing pending, looking again when notified and when the next redelivery
    /// or deadline it reports falls due on `time`'s clock. The timeout is real time (a test's manual clock
    /// standing still does not stop it).
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when `timeout` passes;
    ///   `CancellationError` when the task is cancelled.
    package func wait(
        timeout: Duration,
        time: TimeSource,
        busy: () -> (pending: [String], wakeUp: Moment?)
    ) async throws {
        let signal = AsyncSignal()
        let id = state.withLock { state in
            state.lastID &+= 1
            state.waiters[state.lastID] = signal
            return state.lastID
        }
        count.add(1, ordering: .sequentiallyConsistent)
        defer {
            state.withLock { _ = $0.waiters.removeValue(forKey: id) }
            count.subtract(1, ordering: .sequentiallyConsistent)
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            let (pending, wakeUp) = busy()
            if pending.isEmpty { return }
            if ContinuousClock.now >= deadline {
                throw BrokerError.unavailable("still not idle after \(timeout); groups with unacknowledged events: \(pending)")
            }
            try Task.checkCancellation()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await signal.wait(until: deadline) }
                // A wake-up already due is a consumer's to act on (its take expires the deadline and
                // settles, which notifies); sleeping until it would return at once, and spin.
                if let wakeUp, wakeUp > time.now { group.addTask { try? await time.sleep(until: wakeUp) } }
                await group.next()
                group.cancelAll()
            }
        }
    }
}
