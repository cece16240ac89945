import DequeModule
import Synchronization

/// A counting semaphore for Swift concurrency: at most ``limit`` permits are out at once.
///
/// ``wait()`` takes a permit, suspending while none is free; ``signal()`` returns one. Waiters are served
/// first in, first out: a new caller never overtakes a waiting one. Waiting is cancellation-safe: a
/// cancelled waiter leaves the queue at once and its `wait()` throws `CancellationError` without taking a
/// permit. The queue holds one entry per suspended task and nothing else.
public final class AsyncSemaphore: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var available: Int
        var waiters: Deque<Waiter> = []
        var nextWaiterID: UInt64 = 0
    }

    /// The most permits out at once.
    public let limit: Int
    private let state: Mutex<State>

    /// Creates a semaphore with `limit` permits, all free.
    ///
    /// - Throws: ``MiddlewareConfigurationError`` when `limit` is less than 1.
    public init(limit: Int) throws(MiddlewareConfigurationError) {
        guard limit >= 1 else {
            throw .invalidSetting(component: "AsyncSemaphore", setting: "limit", value: "\(limit)", rule: "must be at least 1")
        }
        self.limit = limit
        self.state = Mutex(State(available: limit))
    }

    /// How many permits are free right now.
    public var availablePermits: Int { state.withLock { $0.available } }

    /// How many tasks are waiting for a permit right now.
    public var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// Takes a permit, waiting in line while none is free. Pair every successful call with ``signal()``.
    ///
    /// - Throws: `CancellationError` when the task is cancelled before it gets a permit (it then holds none).
    public func wait() async throws {
        try Task.checkCancellation()
        let waiterID: UInt64? = state.withLock { state in
            if state.available > 0, state.waiters.isEmpty {
                state.available -= 1
                return nil
            }
            defer { state.nextWaiterID &+= 1 }
            return state.nextWaiterID
        }
        guard let waiterID else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let enqueued = state.withLock { state in
                    // Checked under the lock: a cancellation handler that ran before this point found no
                    // waiter to remove, so this call must not enqueue one.
                    guard !Task.isCancelled else { return false }
                    state.waiters.append(Waiter(id: waiterID, continuation: continuation))
                    return true
                }
                if !enqueued {
                    continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let cancelled: CheckedContinuation<Void, any Error>? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    /// Returns a permit, handing it straight to the longest waiting task if there is one.
    public func signal() {
        let next: CheckedContinuation<Void, any Error>? = state.withLock { state in
            if let waiter = state.waiters.popFirst() {
                return waiter.continuation
            }
            state.available = min(state.available + 1, limit)
            return nil
        }
        next?.resume()
    }

    /// Runs `body` holding a permit, and returns the permit when it ends.
    ///
    /// - Throws: `CancellationError` when cancelled while waiting; otherwise whatever `body` throws.
    public func withPermit<Result: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        try await wait()
        defer { signal() }
        return try await body()
    }
}
