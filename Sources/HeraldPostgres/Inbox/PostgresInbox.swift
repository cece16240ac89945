import Foundation
import Herald
import Logging
import Metrics
import PostgresNIO
import Synchronization

/// The inbox (idempotent consumer): records each handled event in the **same transaction** as the
/// handler's writes, so that the record and the writes commit together or not at all. A crash before the
/// commit leaves neither (the redelivered event runs again, from scratch); a crash after it leaves both
/// (the redelivered event is recognised and skipped). The handler's publishes go to the same
/// transaction's outbox (``PostgresOutbox``), so they too happen exactly when its writes do.
///
/// Records are keyed by consumer name and idempotency key (by default the event's `idempotencykey`
/// extension, else `source` and `id`), and keep the ``PayloadFingerprint`` of the payload: a key
/// reused with a different payload throws ``IdempotencyConflictError`` (permanent: the event is dead
/// lettered), never passes as a duplicate.
///
/// **Retention.** Records older than the retention are purged (at most every ``purgeInterval``) and the
/// inbox notes the time before which it has forgotten. An event the broker stored before that time may
/// have been handled and forgotten: it is a *possible duplicate*, logged at `warning`, counted in
/// `herald_inbox_possible_duplicates_total`, and handled or skipped as ``PossibleDuplicatePolicy`` says —
/// never handled a second time in silence. The comparison is between the broker's storage time and the
/// database's clock, so choose a retention well above any clock skew and redelivery horizon.
///
/// ```swift
/// let outcome = try await inbox.handle(context) { connection, context in
///     try await connection.query("UPDATE accounts SET balance = balance - \(amount) WHERE id = \(id)", logger: logger)
///     try await context.publisher.publish(PaymentTaken(id: id), to: "payments")  // into the outbox
/// }
/// ```
public final class PostgresInbox: Sendable {
    /// The name records are kept under: one per consumer (a group, a service), so that two consumers
    /// handling the same events do not stop each other's.
    public let consumer: String
    /// The outbox a handler's publishes go to.
    public let outbox: PostgresOutbox
    /// How long records are kept after they were written.
    public let retention: Duration
    /// The most time between two purges of old records.
    public let purgeInterval: Duration
    /// What happens to an event older than what the inbox remembers.
    public let possibleDuplicates: PossibleDuplicatePolicy
    private let client: PostgresClient
    private let key: @Sendable (Event) -> String?
    private let logger: Logger
    private let inboxTable: String
    private let horizonTable: String
    // Mutex: handlers on many tasks share the inbox; held only to read or set the last purge time.
    private let lastPurge = Mutex<ContinuousClock.Instant?>(nil)
    private let duplicates: Counter
    private let possibleDuplicateCount: Counter

    /// Creates an inbox for `consumer` in the tables of `outbox`'s schema (create them with
    /// ``PostgresOutbox/prepare(on:logger:)``).
    ///
    /// - Parameters:
    ///   - client: a client of the database holding the application's tables and the inbox.
    ///   - consumer: the name records are kept under (1 to 200 characters).
    ///   - outbox: where a handler's publishes go.
    ///   - retention: how long records are kept; default 7 days, must be positive.
    ///   - purgeInterval: the most time between purges; default 10 minutes.
    ///   - possibleDuplicates: what to do with an event older than the oldest record; default handle it.
    ///   - key: the event's idempotency key, `nil` to exempt it (it runs unchecked); default
    ///     `IdempotencyMiddleware.defaultKey(for:)`.
    ///   - logger: where duplicates and possible duplicates are reported.
    ///   - metrics: where the counters go; default `MetricsSystem.factory`.
    /// - Throws: ``BrokerError/invalidConfiguration(topic:setting:value:rule:)`` for an empty or overlong
    ///   consumer name or a retention that is not positive.
    public init(
        client: PostgresClient, consumer: String, outbox: PostgresOutbox, retention: Duration = .seconds(7 * 24 * 3600),
        purgeInterval: Duration = .seconds(600), possibleDuplicates: PossibleDuplicatePolicy = .handle,
        key: @escaping @Sendable (Event) -> String? = IdempotencyMiddleware.defaultKey(for:), logger: Logger = Logger(label: "herald.inbox"),
        metrics: any MetricsFactory = MetricsSystem.factory
    ) throws(BrokerError) {
        guard (1...200).contains(consumer.utf8.count) else {
            throw .invalidConfiguration(topic: "-", setting: "consumer", value: "'\(consumer)'", rule: "must be 1 to 200 bytes")
        }
        guard retention > .zero else {
            throw .invalidConfiguration(topic: "-", setting: "retention", value: "\(retention)", rule: "must be positive")
        }
        self.client = client
        self.consumer = consumer
        self.outbox = outbox
        self.retention = retention
        self.purgeInterval = purgeInterval
        self.possibleDuplicates = possibleDuplicates
        self.key = key
        self.logger = logger
        self.inboxTable = "\(outbox.schema).inbox"
        self.horizonTable = "\(outbox.schema).inbox_horizons"
        self.duplicates = Counter(label: "herald_inbox_duplicates_total", dimensions: [("consumer", consumer)], factory: metrics)
        self.possibleDuplicateCount = Counter(label: "herald_inbox_possible_duplicates_total", dimensions: [("consumer", consumer)], factory: metrics)
    }

    /// Runs `body` once per idempotency key: in one transaction, records the event, runs `body` with the
    /// transaction's connection and a context whose publisher writes to the outbox, and commits. The
    /// delivery is not settled here: acknowledge it as usual once this returns (a ``Consumer`` does when
    /// the handler returns), whatever the outcome.
    ///
    /// - Returns: what was done; see ``InboxOutcome``.
    /// - Throws: ``IdempotencyConflictError`` when the key was handled with a different payload; what
    ///   `body` throws (then nothing it wrote, and no record, remains); a PostgreSQL error.
    @discardableResult
    public func handle(
        _ context: MessageContext, _ body: @Sendable (PostgresConnection, MessageContext) async throws -> Void
    ) async throws -> InboxOutcome {
        let event = context.event
        guard let key = key(event) else {
            try await unwrapping {
                try await client.withTransaction(logger: logger) { connection in
                    try await body(connection, context.publishing(to: self.outbox.sink(on: connection, logger: self.logger)))
                }
            }
            return .handled
        }
        let fingerprint = PayloadFingerprint(of: event)
        let outcome: InboxOutcome = try await unwrapping {
            try await client.withTransaction(logger: logger) { connection -> InboxOutcome in
                // Waits for a concurrent transaction recording the same key, then finds its record.
                let inserted = try await connection.query(
                    """
                    INSERT INTO \(unescaped: self.inboxTable) (consumer, key, fingerprint, event_id)
                    VALUES (\(self.consumer), \(key), \(fingerprint.hexString), \(event.id)) ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: self.logger
                ).collect()
                if inserted.isEmpty {
                    return try await self.existing(key: key, fingerprint: fingerprint, eventID: event.id, on: connection)
                }
                if try await self.isOlderThanMemory(context.delivery.storedAt, on: connection) {
                    self.possibleDuplicateCount.increment()
                    context.logger.warning(
                        "possible duplicate: the event is older than the inbox's oldest records, so it may have been handled before",
                        metadata: [
                            Self.keyMetadata: "\(key)", "herald.inbox.consumer": "\(self.consumer)",
                            "herald.inbox.policy": "\(self.possibleDuplicates)",
                        ])
                    if self.possibleDuplicates == .skip { return .possibleDuplicateSkipped }
                }
                try await body(connection, context.publishing(to: self.outbox.sink(on: connection, logger: self.logger)))
                if case .nack = context.settlement { throw RollBack() }
                return .handled
            }
        } rolledBack: {
            .rolledBack
        }
        if outcome == .duplicate {
            duplicates.increment()
            context.logger.info("duplicate stopped by the inbox", metadata: [Self.keyMetadata: "\(key)"])
        }
        await purgeIfDue()
        return outcome
    }

    /// Deletes the records older than the retention and notes the time before which the inbox forgets.
    ///
    /// - Returns: how many records were deleted.
    /// - Throws: a PostgreSQL error.
    @discardableResult
    public func purge() async throws -> Int {
        let window = PostgresBroker.interval(retention)
        let rows = try await client.query(
            """
            WITH cutoff AS (SELECT clock_timestamp() - \(window)::interval AS at),
            gone AS (DELETE FROM \(unescaped: inboxTable) WHERE consumer = \(consumer) AND handled_at < (SELECT at FROM cutoff) RETURNING 1),
            noted AS (
                INSERT INTO \(unescaped: horizonTable) AS h (consumer, forgotten_before)
                SELECT \(consumer), at FROM cutoff WHERE EXISTS (SELECT 1 FROM gone)
                ON CONFLICT (consumer) DO UPDATE SET forgotten_before = GREATEST(h.forgotten_before, EXCLUDED.forgotten_before)
                RETURNING 1)
            SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM noted)
            """, logger: logger
        ).collect()
        var deleted: Int64 = 0
        if let row = rows.first {
            let (gone, _) = try row.decode((Int64, Int64).self)
            deleted = gone
        }
        lastPurge.withLock { $0 = .now }
        return Int(deleted)
    }

    private static let keyMetadata = "herald.idempotency.key"

    /// The outcome for a key already recorded: a duplicate with the same fingerprint, else a conflict.
    private func existing(key: String, fingerprint: PayloadFingerprint, eventID: String, on connection: PostgresConnection) async throws -> InboxOutcome {
        let rows = try await connection.query(
            "SELECT fingerprint FROM \(unescaped: inboxTable) WHERE consumer = \(consumer) AND key = \(key)", logger: logger
        ).collect()
        guard let stored = try rows.first?.decode(String.self) else {
            // Purged between the insert and this read: the event counts as new; the caller's redelivery retries.
            throw BrokerError.unavailable("the inbox record of key '\(key)' vanished while it was read; try again")
        }
        let existing = PayloadFingerprint(hexString: stored) ?? PayloadFingerprint(high: 0, low: 0)
        guard existing == fingerprint else {
            throw IdempotencyConflictError(key: key, eventID: eventID, existing: existing, incoming: fingerprint)
        }
        return .duplicate
    }

    /// Whether an event stored at `storedAt` predates what the inbox remembers.
    private func isOlderThanMemory(_ storedAt: Date, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT 1 FROM \(unescaped: horizonTable) WHERE consumer = \(consumer) AND forgotten_before > \(storedAt)", logger: logger
        ).collect()
        return !rows.isEmpty
    }

    /// Purges when the last purge is older than ``purgeInterval``; a failure is logged, not thrown.
    private func purgeIfDue() async {
        let due = lastPurge.withLock { last -> Bool in
            guard let previous = last, previous + purgeInterval > .now else {
                last = .now
                return true
            }
            return false
        }
        guard due else { return }
        do {
            try await purge()
        } catch {
            logger.warning("could not purge old inbox records", metadata: ["herald.error": "\(PostgresBroker.describe(error))"])
        }
    }

    /// Runs `body`, rethrowing what a transaction's closure threw as itself; ``RollBack`` becomes
    /// `rolledBack()`.
    private func unwrapping<T>(_ body: () async throws -> T, rolledBack: () -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            let cause = PostgresBroker.cause(of: error)
            if cause is RollBack { return rolledBack() }
            throw cause
        }
    }

    private func unwrapping(_ body: () async throws -> Void) async throws {
        try await unwrapping(body, rolledBack: {})
    }
}

/// Thrown inside the transaction to roll it back when the body nacked its delivery.
private struct RollBack: Error {}
