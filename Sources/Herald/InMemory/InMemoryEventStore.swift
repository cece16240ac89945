import Foundation
import Synchronization

/// An event store in memory, for tests and examples: nothing survives the process. Passes
/// `EventStoreConformance` like the durable backends.
public final class InMemoryEventStore: EventStore {
    private struct State {
        var streams: [String: [RecordedEvent]] = [:]
        var all: [RecordedEvent] = []
    }

    // Mutex: appends, reads and waits come from any task; held only to read or change the state.
    private let state = Mutex(State())
    private let waiters = AppendWaiters()
    private let now: @Sendable () -> Date

    /// An empty store; `now` stamps ``RecordedEvent/recordedAt`` (inject a fixed clock in tests).
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Appends atomically if `expected` holds; the same ids again with the same expectation return the
    /// first result.
    ///
    /// - Throws: ``WrongExpectedRevisionError``, ``EventStoreError``.
    public func append(_ events: [Event], to stream: String, expecting expected: ExpectedRevision) async throws -> AppendResult {
        try AppendRules.validate(events, to: stream)
        let recordedAt = now()
        let (result, isNew) = try state.withLock { state throws -> (AppendResult, Bool) in
            let existing = state.streams[stream] ?? []
            if let earlier = Self.alreadyAppended(events, in: existing, expected: expected) { return (earlier, false) }
            let current = existing.last?.revision
            guard expected.isMet(byCurrent: current) else {
                throw WrongExpectedRevisionError(stream: stream, expected: expected, actual: current)
            }
            var revision = current.map { $0 + 1 } ?? 0
            var position = state.all.last.map { $0.position + 1 } ?? 0
            for event in events {
                let recorded = RecordedEvent(stream: stream, revision: revision, position: position, event: event, recordedAt: recordedAt)
                state.streams[stream, default: []].append(recorded)
                state.all.append(recorded)
                revision += 1
                position += 1
            }
            return (AppendResult(nextExpectedRevision: revision - 1, position: position - 1), true)
        }
        if isNew { waiters.notifyAll() }
        return result
    }

    /// Up to `limit` events of `stream` from `start` in `direction`.
    ///
    /// - Throws: ``EventStoreError`` for an invalid stream name.
    public func read(stream: String, from start: StreamReadStart, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        try StreamName.validate(stream)
        guard limit > 0 else { return [] }
        let events = state.withLock { $0.streams[stream] ?? [] }
        return StreamReadRange.revisions(count: UInt64(events.count), from: start, direction: direction, limit: limit).map { events[Int($0)] }
    }

    /// Up to `limit` events in global order from `position`.
    public func readAll(from position: UInt64, limit: Int) async throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        return state.withLock { state in
            // Positions here are dense from 0, so the position is the index.
            guard position < UInt64(state.all.count) else { return [] }
            return Array(state.all[Int(position)..<min(state.all.count, Int(position) + limit)])
        }
    }

    /// The last revision of `stream`, `nil` when it does not exist.
    public func lastRevision(of stream: String) async throws -> UInt64? {
        try StreamName.validate(stream)
        return state.withLock { $0.streams[stream]?.last?.revision }
    }

    /// The global position of the newest event.
    public func headPosition() async throws -> UInt64? {
        state.withLock { $0.all.last?.position }
    }

    /// Returns once an event after `position` exists, or at `deadline`.
    public func waitForAppends(after position: UInt64?, until deadline: ContinuousClock.Instant) async {
        await waiters.wait(after: position, until: deadline) { state.withLock { $0.all.last?.position } }
    }

    /// The result of an earlier append of the same ids with the same expectation, if `events` are that
    /// append again (``AppendRules/retryRevisions(count:expected:current:)``).
    private static func alreadyAppended(_ events: [Event], in existing: [RecordedEvent], expected: ExpectedRevision) -> AppendResult? {
        guard let revisions = AppendRules.retryRevisions(count: events.count, expected: expected, current: existing.last?.revision) else {
            return nil
        }
        let slice = existing[Int(revisions.lowerBound)..<Int(revisions.upperBound)]
        guard zip(slice, events).allSatisfy({ $0.event.id == $1.id }), let last = slice.last else { return nil }
        return AppendResult(nextExpectedRevision: last.revision, position: last.position, wasAlreadyAppended: true)
    }
}
