import Foundation
import Herald
import Logging

/// Loads aggregates by replaying their streams (from a snapshot when there is a current one) and appends
/// their new events with the loaded revision, so that two writers deciding on the same state cannot both
/// succeed: the second gets ``WrongExpectedRevisionError``, and ``update(_:maximumAttempts:_:)`` decides
/// again on the new state.
public struct AggregateRepository<State: Aggregate>: Sendable {
    /// The store of the streams.
    public let store: any EventStore
    /// Where snapshots are kept, if anywhere.
    public let snapshots: (any SnapshotStore)?
    /// A snapshot is saved whenever an append leaves at least this many events after the last one; `nil`
    /// never saves.
    public let snapshotEvery: Int?
    private let logger: Logger

    /// A repository without snapshots.
    public init(store: any EventStore, logger: Logger = Logger(label: "herald.eventsourcing")) {
        self.store = store
        self.snapshots = nil
        self.snapshotEvery = nil
        self.logger = logger
    }

    /// Loads the aggregate `id`: the newest snapshot of the current ``SnapshottingAggregate/snapshotVersion``
    /// (if any), then the events after it.
    ///
    /// - Throws: ``EventStoreError``; whatever ``Aggregate/apply(_:)`` throws.
    public func load(_ id: String) async throws -> LoadedAggregate<State> {
        let stream = State.stream(for: id)
        var state = State()
        var from: UInt64 = 0
        var snapshotRevision: UInt64?
        if let restored = try await restoreSnapshot(stream: stream) {
            state = restored.state
            from = restored.revision + 1
            snapshotRevision = restored.revision
        }
        let replayed = try await store.readStream(stream, from: from)
        for recorded in replayed { try state.apply(recorded) }
        return LoadedAggregate(
            id: id, state: state, revision: replayed.last?.revision ?? snapshotRevision, replayedEvents: replayed.count, snapshotRevision: snapshotRevision)
    }

    /// Appends `events` to the loaded aggregate's stream, expecting its loaded revision; saves a snapshot
    /// when one is due.
    ///
    /// - Throws: ``WrongExpectedRevisionError`` when another writer appended since the load;
    ///   ``EventStoreError``.
    @discardableResult
    public func save(_ events: [Event], for loaded: LoadedAggregate<State>) async throws -> AppendResult {
        let result = try await store.append(events, to: State.stream(for: loaded.id), expecting: loaded.expectedRevision)
        try await saveSnapshotIfDue(loaded, events: events, result: result)
        return result
    }

    /// Loads the aggregate, lets `decide` produce its new events from the state, and appends them with
    /// the loaded revision; on a conflict, loads again and decides again, up to `maximumAttempts` times.
    /// `decide` returning no events appends nothing.
    ///
    /// - Throws: the last ``WrongExpectedRevisionError`` when every attempt conflicted; whatever
    ///   `decide` throws (a rejected command); ``EventStoreError``.
    @discardableResult
    public func update(_ id: String, maximumAttempts: Int = 5, _ decide: (State) async throws -> [Event]) async throws -> AppendResult? {
        var attempt = 0
        while true {
            attempt += 1
            let loaded = try await load(id)
            let events = try await decide(loaded.state)
            guard !events.isEmpty else { return nil }
            do {
                return try await save(events, for: loaded)
            } catch let conflict as WrongExpectedRevisionError where attempt < max(1, maximumAttempts) {
                logger.debug(
                    "conflicting append; deciding again on the new state",
                    metadata: [
                        "herald.stream": "\(conflict.stream)", "herald.attempt": "\(attempt)", "herald.actual": "\(String(describing: conflict.actual))",
                    ])
            }
        }
    }
}

extension AggregateRepository where State: SnapshottingAggregate {
    /// A repository that keeps snapshots in `snapshots`, one whenever at least `snapshotEvery` events
    /// were appended after the last.
    public init(
        store: any EventStore, snapshots: any SnapshotStore, snapshotEvery: Int = 100, logger: Logger = Logger(label: "herald.eventsourcing")
    ) {
        self.store = store
        self.snapshots = snapshots
        self.snapshotEvery = max(1, snapshotEvery)
        self.logger = logger
    }
}

extension AggregateRepository {
    private func restoreSnapshot(stream: String) async throws -> (state: State, revision: UInt64)? {
        guard let snapshots, let type = State.self as? any SnapshottingAggregate.Type else { return nil }
        guard let snapshot = try await snapshots.load(stream: stream) else { return nil }
        guard snapshot.version == type.snapshotVersion else {
            logger.info(
                "snapshot of an older version ignored; replaying the stream from its start",
                metadata: ["herald.stream": "\(stream)", "herald.version": "\(snapshot.version)", "herald.current": "\(type.snapshotVersion)"])
            return nil
        }
        do {
            guard let state = try Self.decode(snapshot.data, as: type) as? State else { return nil }
            return (state, snapshot.revision)
        } catch {
            logger.warning(
                "snapshot does not decode; replaying the stream from its start",
                metadata: ["herald.stream": "\(stream)", "herald.error": "\(error)"])
            return nil
        }
    }

    private static func decode<Snapshotting: SnapshottingAggregate>(_ data: Data, as _: Snapshotting.Type) throws -> Snapshotting {
        try JSONDecoder().decode(Snapshotting.self, from: data)
    }

    private func saveSnapshotIfDue(_ loaded: LoadedAggregate<State>, events: [Event], result: AppendResult) async throws {
        guard let snapshots, let snapshotEvery, let type = State.self as? any SnapshottingAggregate.Type else { return }
        let base = loaded.snapshotRevision.map { Int64($0) } ?? -1
        guard Int64(result.nextExpectedRevision) - base >= Int64(snapshotEvery) else { return }
        // The state after the new events: the loaded state with them applied, at the revisions they got.
        var state = loaded.state
        let first = result.nextExpectedRevision + 1 - UInt64(events.count)
        for (offset, event) in events.enumerated() {
            let revision = first + UInt64(offset)
            try state.apply(
                RecordedEvent(
                    stream: State.stream(for: loaded.id), revision: revision, position: result.position, event: event, recordedAt: Date()))
        }
        guard let snapshotting = state as? any SnapshottingAggregate else { return }
        let data = try JSONEncoder().encode(snapshotting)
        try await snapshots.save(
            Snapshot(stream: State.stream(for: loaded.id), revision: result.nextExpectedRevision, version: type.snapshotVersion, data: data))
    }
}
