import DequeModule
import Synchronization

/// An ``IdempotencyStore`` in the process's memory: for tests, demos and single-process consumers. Its
/// entries are lost when the process ends, so it guards against redeliveries within one process only.
///
/// **Expiry.** An entry is forgotten `ttl` after it was claimed and again `ttl` after it completed.
/// Expiry is checked lazily, when a key is looked up and when the store is full; there is no timer.
///
/// **Bound.** The store holds at most ``maximumEntries`` entries (default 100,000). When a new key is
/// claimed while it is full, it first drops every expired entry, then, if none had expired, the
/// completed entry that completed longest ago (which shortens the effective window of duplicate
/// detection for that key). It never forgets a claim in progress: if every entry is in progress,
/// ``begin(key:fingerprint:ttl:)`` throws ``IdempotencyStoreError/full(key:maximumEntries:)`` and claims
/// nothing. Memory grows with the number of entries (each key and its bookkeeping), never beyond the
/// bound plus a compaction slack of the completion order.
public final class InMemoryIdempotencyStore: IdempotencyStore {
    private struct Entry {
        var fingerprint: PayloadFingerprint
        var isCompleted: Bool
        var ttl: Duration
        var expiresAt: ContinuousClock.Instant
        /// Which completion this is, to match records in `completionOrder`; 0 while in progress.
        var completion: UInt64
    }

    private struct CompletionRecord {
        var key: String
        var completion: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Completed keys, oldest completion first. Records whose entry is gone or was completed again
        /// are stale and skipped (and compacted away once they pile up).
        var completionOrder: Deque<CompletionRecord> = []
        var lastCompletion: UInt64 = 0
        /// No entry expires before this (a lower bound; `nil` when the store is empty of expiries).
        var earliestExpiry: ContinuousClock.Instant?
    }

    /// The most entries held at once.
    public let maximumEntries: Int
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    /// Creates an empty store.
    ///
    /// - Parameters:
    ///   - maximumEntries: the bound described on the type; default 100,000, at least 1.
    ///   - now: the current time; default `ContinuousClock.now`. Tests pass a controlled clock.
    /// - Throws: ``MiddlewareConfigurationError`` when `maximumEntries` is less than 1.
    public init(
        maximumEntries: Int = 100_000,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) throws(MiddlewareConfigurationError) {
        guard maximumEntries >= 1 else {
            throw .invalidSetting(
                component: "InMemoryIdempotencyStore", setting: "maximumEntries", value: "\(maximumEntries)",
                rule: "must be at least 1"
            )
        }
        self.maximumEntries = maximumEntries
        self.now = now
    }

    /// How many entries the store holds, counting expired ones not yet dropped.
    public var count: Int { state.withLock { $0.entries.count } }

    /// Claims `key`; see ``IdempotencyStore/begin(key:fingerprint:ttl:)``.
    ///
    /// - Throws: ``IdempotencyStoreError/full(key:maximumEntries:)`` when the store is full of claims in
    ///   progress.
    public func begin(
        key: String, fingerprint: PayloadFingerprint, ttl: Duration
    ) throws(IdempotencyStoreError)
        -> IdempotencyStatus
    {
        let current = now()
        let maximumEntries = self.maximumEntries
        return try state.withLock { (state) throws(IdempotencyStoreError) -> IdempotencyStatus in
            if let entry = state.entries[key] {
                if entry.expiresAt > current {
                    if entry.fingerprint != fingerprint {
                        return .conflict(existing: entry.fingerprint)
                    }
                    return entry.isCompleted ? .alreadyCompleted : .inProgress
                }
                state.entries[key] = nil
            }
            if state.entries.count >= maximumEntries {
                Self.dropExpired(&state, at: current)
                if state.entries.count >= maximumEntries, !Self.evictOldestCompleted(&state) {
                    throw .full(key: key, maximumEntries: maximumEntries)
                }
            }
            let expiresAt = current + ttl
            state.entries[key] = Entry(fingerprint: fingerprint, isCompleted: false, ttl: ttl, expiresAt: expiresAt, completion: 0)
            state.earliestExpiry = min(state.earliestExpiry ?? expiresAt, expiresAt)
            return .proceed
        }
    }

    /// Marks `key` completed; see ``IdempotencyStore/complete(key:)``. A key that is not held in progress
    /// (unknown, already completed, or dropped after it expired) is left as it is.
    public func complete(key: String) {
        let current = now()
        state.withLock { state in
            guard var entry = state.entries[key], !entry.isCompleted else { return }
            state.lastCompletion += 1
            entry.isCompleted = true
            entry.completion = state.lastCompletion
            entry.expiresAt = current + entry.ttl
            state.entries[key] = entry
            state.earliestExpiry = min(state.earliestExpiry ?? entry.expiresAt, entry.expiresAt)
            state.completionOrder.append(CompletionRecord(key: key, completion: entry.completion))
            if state.completionOrder.count > 2 * state.entries.count + 64 {
                Self.compactCompletionOrder(&state)
            }
        }
    }

    /// Releases `key`; see ``IdempotencyStore/release(key:)``. A completed or unknown key is left as it is.
    public func release(key: String) {
        state.withLock { state in
            if let entry = state.entries[key], !entry.isCompleted {
                state.entries[key] = nil
            }
        }
    }

    private static func dropExpired(_ state: inout State, at current: ContinuousClock.Instant) {
        guard let earliest = state.earliestExpiry, earliest <= current else { return }
        var nextEarliest: ContinuousClock.Instant?
        state.entries = state.entries.filter { _, entry in
            guard entry.expiresAt > current else { return false }
            nextEarliest = min(nextEarliest ?? entry.expiresAt, entry.expiresAt)
            return true
        }
        state.earliestExpiry = nextEarliest
    }

    /// Drops the completed entry that completed longest ago; `false` when there is none.
    private static func evictOldestCompleted(_ state: inout State) -> Bool {
        while let record = state.completionOrder.popFirst() {
            if let entry = state.entries[record.key], entry.isCompleted, entry.completion == record.completion {
                state.entries[record.key] = nil
                return true
            }
        }
        return false
    }

    private static func compactCompletionOrder(_ state: inout State) {
        let entries = state.entries
        state.completionOrder = Deque(
            state.completionOrder.filter { record in
                guard let entry = entries[record.key] else { return false }
                return entry.isCompleted && entry.completion == record.completion
            }
        )
    }
}
