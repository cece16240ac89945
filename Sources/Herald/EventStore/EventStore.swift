/// An event store: streams of events appended with optimistic concurrency, read forwards and backwards,
/// and one global order over all streams that subscriptions follow. Backends: ``InMemoryEventStore``
/// (tests), and those of the embedded log, PostgreSQL and NATS JetStream; `EventStoreConformance` in
/// `HeraldTesting` checks any of them.
///
/// Appends are atomic (all the events or none) and idempotent by event id: appending the same ids again
/// with the same expectation returns the first append's result with
/// ``AppendResult/wasAlreadyAppended`` set, instead of a conflict or a second copy (KurrentDB's rule), so
/// a writer may retry an append whose answer it lost.
public protocol EventStore: Sendable {
    /// Appends `events` to `stream` if `expected` holds, as revisions following the stream's last.
    ///
    /// - Throws: ``WrongExpectedRevisionError`` when `expected` does not hold (nothing written);
    ///   ``EventStoreError`` for an invalid stream name, an empty append or an id twice in it, a closed
    ///   or failed store.
    func append(_ events: [Event], to stream: String, expecting expected: ExpectedRevision) async throws -> AppendResult

    /// Up to `limit` events of `stream` from `start` in `direction` (an unknown stream reads as empty).
    ///
    /// - Throws: ``EventStoreError``.
    func read(stream: String, from start: StreamReadStart, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent]

    /// Up to `limit` events of every stream in global order, from the first at `position` or later.
    ///
    /// - Throws: ``EventStoreError``.
    func readAll(from position: UInt64, limit: Int) async throws -> [RecordedEvent]

    /// The last revision of `stream`, `nil` when it does not exist.
    ///
    /// - Throws: ``EventStoreError``.
    func lastRevision(of stream: String) async throws -> UInt64?

    /// The global position of the newest event, `nil` while the store is empty.
    ///
    /// - Throws: ``EventStoreError``.
    func headPosition() async throws -> UInt64?

    /// Returns when events after global `position` may have been appended, or at `deadline`, whichever is
    /// first (spurious returns are allowed: callers read again). What ``EventStoreSubscription`` waits on
    /// once it has caught up.
    func waitForAppends(after position: UInt64?, until deadline: ContinuousClock.Instant) async
}

extension EventStore {
    /// Follows `stream` from the event after revision `checkpoint` (`nil`: from its first event): first
    /// what is stored, then live, with no gap and no duplicate at the switch (it only ever reads the
    /// store after the last revision it delivered).
    public func subscribe(to stream: String, after checkpoint: UInt64? = nil) -> EventStoreSubscription {
        EventStoreSubscription(store: self, stream: stream, after: checkpoint)
    }

    /// Follows every stream in global order from the event after position `checkpoint` (`nil`: from the
    /// first), first what is stored, then live.
    public func subscribeToAll(after checkpoint: UInt64? = nil) -> EventStoreSubscription {
        EventStoreSubscription(store: self, stream: nil, after: checkpoint)
    }

    /// Every event of `stream` from `start` forwards (for loading an aggregate), read in pages.
    ///
    /// - Throws: ``EventStoreError``.
    public func readStream(_ stream: String, from start: UInt64 = 0, pageSize: Int = 500) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        var next = start
        while true {
            let page = try await read(stream: stream, from: .revision(next), direction: .forwards, limit: pageSize)
            events += page
            guard let last = page.last, page.count == pageSize else { return events }
            next = last.revision + 1
        }
    }
}
