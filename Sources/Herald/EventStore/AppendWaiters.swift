import Synchronization

/// The tasks waiting for an event store's next append (``EventStore/waitForAppends(after:until:)``), for
/// stores that learn of their appends in process: a waiter registers before it looks at the head, so an
/// append that lands after the look still wakes it.
package final class AppendWaiters: Sendable {
    private struct Waiting {
        var lastID: UInt64 = 0
        var signals: [UInt64: AsyncSignal] = [:]
    }

    // Mutex: waiters and appenders come from any task.
    private let waiting = Mutex(Waiting())

    /// No waiters.
    package init() {}

    /// Returns once `head()` is past `position` (any event, when `position` is `nil`), after an append's
    /// ``notifyAll()``, or at `deadline`.
    package func wait(after position: UInt64?, until deadline: ContinuousClock.Instant, head: () -> UInt64?) async {
        let signal = AsyncSignal()
        let id = waiting.withLock { waiting in
            waiting.lastID += 1
            waiting.signals[waiting.lastID] = signal
            return waiting.lastID
        }
        defer { waiting.withLock { _ = $0.signals.removeValue(forKey: id) } }
        if let head = head(), position.map({ head > $0 }) ?? true { return }
        await signal.wait(until: deadline)
    }

    /// Wakes every waiter; called after an append has moved the head.
    package func notifyAll() {
        let signals = waiting.withLock { Array($0.signals.values) }
        for signal in signals { signal.notify() }
    }
}
