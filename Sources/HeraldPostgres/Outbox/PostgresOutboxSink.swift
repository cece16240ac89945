import Herald
import Logging
import PostgresNIO

/// An ``EventSink`` that queues events in a ``PostgresOutbox`` inside one open transaction.
///
/// Use it only while that transaction is open (inside `withTransaction`); a relay publishes what it
/// queued once the transaction commits.
public struct PostgresOutboxSink: EventSink {
    /// The outbox written to.
    public let outbox: PostgresOutbox
    /// The connection whose transaction the rows join.
    public let connection: PostgresConnection
    let logger: Logger

    /// Queues `events` for `topic`; each outcome is ``PublishOutcome/queued(topic:sequence:)``.
    ///
    /// - Throws: as ``PostgresOutbox/enqueue(_:to:on:logger:)``.
    public func send(_ events: [Event], to topic: String) async throws -> [PublishOutcome] {
        try await outbox.enqueue(events, to: topic, on: connection, logger: logger).map { .queued(topic: topic, sequence: $0) }
    }
}
