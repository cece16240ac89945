import Synchronization

/// A wake-up call for one waiting task that is never lost: a ``notify()`` that arrives while nobody
/// waits is kept, and the next ``wait(until:)`` returns at once. Spurious wake-ups are possible, so
/// waiters re-check their condition in a loop.
public final class AsyncSignal: Sendable {
    private enum State {
        case idle
        case notified
        case waiting(CheckedContinuation<Void, Never>)
    }

    // Mutex: notify() comes from any task; the continuation must be resumed exactly once.
    private let state = Mutex<State>(.idle)

    /// Creates a signal with no pending notification.
    public init() {}

    /// Wakes the waiter, or keeps the notification for the next wait.
    public func notify() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            switch state {
            case .idle, .notified:
                state = .notified
                return nil
            case .waiting(let continuation):
                state = .idle
                return continuation
            }
        }
        continuation?.resume()
    }

    /// Waits for a notification, the `deadline`, or cancellation, whichever comes first.
    /// Only one task may wait at a time.
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

    private func waitForNotification() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { state in
                    switch state {
                    case .notified:
                        state = .idle
                        return true
                    case .idle:
                        if Task.isCancelled { return true }
                        state = .waiting(continuation)
                        return false
                    case .waiting:
                        preconditionFailure("AsyncSignal supports one waiter at a time")
                    }
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
                if case .waiting(let continuation) = state {
                    state = .idle
                    return continuation
                }
                return nil
            }
            continuation?.resume()
        }
    }
}
