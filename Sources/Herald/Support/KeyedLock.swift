import DequeModule
import Synchronization

/// An async lock per key: one holder per key at a time, waiters served first come first served.
/// Memory is bounded by the keys currently held or waited for; a key's entry goes when released.
public final class KeyedLock: Sendable {
    private struct Entry {
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
    }

    // Mutex: holders and waiters of any key come from any task.
    private let entries = Mutex<[String: Entry]>([:])

    /// Creates a lock with no keys held.
    public init() {}

    /// Runs `body` while holding `key`.
    public func withLock<T: Sendable>(_ key: String, _ body: () async throws -> T) async rethrows -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired: Bool = entries.withLock { entries in
                if entries[key] == nil {
                    entries[key] = Entry()
                    return true
                }
                entries[key]?.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func release(_ key: String) {
        let next: CheckedContinuation<Void, Never>? = entries.withLock { entries in
            guard let waiter = entries[key]?.waiters.popFirst() else {
                entries[key] = nil
                return nil
            }
            return waiter
        }
        next?.resume()
    }
}
