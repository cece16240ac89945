/// Where a ``Publisher`` sends events: a broker stores them at once; a transactional outbox (for example
/// `PostgresOutbox`'s) queues them in the caller's database transaction, and a relay publishes them to a
/// broker after that transaction commits.
///
/// A handler's publishes go through ``MessageContext/publisher``, whose sink ``MessageContext/publishing(to:)``
/// replaces: inside a database transaction, the handler's events then commit or roll back with its writes.
public protocol EventSink: Sendable {
    /// Stores or queues `events` for `topic`, in order, all or none.
    ///
    /// - Returns: one outcome per event, in order.
    /// - Throws: the sink's error; then none of the events was stored or queued.
    func send(_ events: [Event], to topic: String) async throws -> [PublishOutcome]
}

extension Broker {
    /// Publishes `events` (see ``Broker/publish(_:to:)``): every broker is an ``EventSink`` that stores.
    public func send(_ events: [Event], to topic: String) async throws -> [PublishOutcome] {
        try await publish(events, to: topic).map(PublishOutcome.stored)
    }
}
