import Synchronization

/// A wake-up call that is never lost: a ``notify()`` that arrives while nobody waits is kept, and the next
/// ``wait(until:)`` returns at once. A notification wakes every task waiting at that moment (any number
/// may wait); spurious wake-ups are possible, so waiters re-check their condition in a loop.
public final class AsyncSignal: Sendable {
    private struct State {
        var isNotified = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var lastWaiter: UInt64 = 0
    }

    // Mutex: notify() comes from any task; each continuation must be resumed exactly once.
    private let state = Mutex(State())

    /// Creates a signal with no pending notification.
    public init() {}

    /// Wakes every waiter, or keeps the notification for the next wait when nobody waits.
    public func notify() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.isNotified = true
                return []
            }
            defer { state.waiters.removeAll(keepingCapacity: true) }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for a notification, the `deadline`, or cancellation, whichever comes first.
    public func wait(until deadline: ContinuousClock.Instant? = nil) async {
        guard let deadline else {
            await waitForNotification()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForNotification() }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
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
        let id = state.withLock { state -> UInt64 in
            state.lastWaiter &+= 1
            return state.lastWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isNotified {
                        state.isNotified = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.waiters.removeValue(forKey: id) }
            continuation?.resume()
        }
    }
}
