import Synchronization

/// A wake-up call that is never lost: a ``notify()`` that arrives while nobody waits is kept, and the next
/// ``wait(until:)`` returns at once. A notification wakes every task waiting at that moment (any number
/// may wait); spurious wake-ups are possible, so waiters re-check their condition in a loop.
public final class AsyncSignal: Sendable {
    private struct State {
        var isNotified = false
        /// The first waiter, kept apart: almost always the only one (a subscription's reader).
        var first: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        /// Any other waiters.
        var others: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    // Mutex: notify() comes from any task; each continuation must be resumed exactly once.
    private let state = Mutex(State())
    // Atomic: names each wait, for its cancellation.
    private let lastWaiter = Atomic<UInt64>(0)

    /// Creates a signal with no pending notification.
    public init() {}

    /// Wakes every waiter, or keeps the notification for the next wait when nobody waits.
    public func notify() {
        let (first, others) = state.withLock { state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            guard let first = state.first else {
                state.isNotified = true
                return (nil, [])
            }
            state.first = nil
            guard !state.others.isEmpty else { return (first.continuation, []) }
            defer { state.others.removeAll(keepingCapacity: true) }
            return (first.continuation, Array(state.others.values))
        }
        first?.resume()
        for waiter in others { waiter.resume() }
    }

    /// Waits for a notification, the `deadline`, or cancellation, whichever comes first.
    public func wait(until deadline: ContinuousClock.Instant? = nil) async {
        await wait(until: deadline.map(Moment.init), on: .system)
    }

    /// Waits for a notification, the moment `deadline` on `time`'s clock, or cancellation, whichever comes
    /// first.
    package func wait(until deadline: Moment?, on time: TimeSource) async {
        guard let deadline else {
            await waitForNotification()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForNotification() }
            group.addTask { try? await time.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForNotification() async {
        let id = lastWaiter.wrappingAdd(1, ordering: .relaxed).newValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isNotified {
                        state.isNotified = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    if state.first == nil {
                        state.first = (id, continuation)
                    } else {
                        state.others[id] = continuation
                    }
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let first = state.first, first.id == id {
                    state.first = nil
                    return first.continuation
                }
                return state.others.removeValue(forKey: id)
            }
            continuation?.resume()
        }
    }
}
