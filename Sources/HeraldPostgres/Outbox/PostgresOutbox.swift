import Herald
import Logging
import PostgresNIO

/// The transactional outbox: events written to the table `outbox` of a schema in the caller's own
/// transaction, next to the caller's rows, so that they exist exactly when those rows do. An
/// ``OutboxRelay`` publishes them to a broker after the transaction commits; a transaction that rolls
/// back publishes nothing.
///
/// Rows are numbered by a sequence and fall into one of ``slotCount`` slots by the event's ordering key
/// (its partition key, or for a keyless event its `source` and `id`). A relay publishes a slot's rows in
/// sequence order, so events of one key keep the order they were written in whenever the transactions
/// writing them are serialized (as they are when they change the same business row); events written by
/// two transactions running concurrently, with no lock between them, have no order to keep.
///
/// ```swift
/// try await client.withTransaction(logger: logger) { connection in
///     try await connection.query("INSERT INTO orders (id) VALUES (\(order.id))", logger: logger)
///     try await outbox.enqueue([placed], to: "orders", on: connection)
/// }
/// ```
public struct PostgresOutbox: Sendable {
    /// How many slots rows fall into: the unit a relay locks, so that one relay at a time publishes the
    /// events of a key. Fixed, so that every writer and relay agrees on it.
    public static let slotCount = 64

    /// The schema holding the `outbox` table.
    public let schema: String
    let table: String

    /// An outbox in `schema` (the one a ``PostgresBroker`` with the same schema also uses).
    ///
    /// - Throws: ``BrokerError/invalidConfiguration(topic:setting:value:rule:)`` for an invalid schema name.
    public init(schema: String = "herald") throws(BrokerError) {
        guard PostgresBrokerOptions.isValidSchema(schema) else {
            throw BrokerError.invalidConfiguration(
                topic: "-", setting: "schema", value: "'\(schema)'", rule: "must be 1 to 40 lowercase letters, digits or _, starting with a letter")
        }
        self.schema = schema
        self.table = "\(schema).outbox"
    }

    /// Creates or migrates the schema's tables (those of the broker, the outbox and the inbox), safely
    /// when several processes do it at once.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` when the database holds a newer schema version, or a
    ///   PostgreSQL error.
    public func prepare(on client: PostgresClient, logger: Logger = Logger(label: "herald.postgres")) async throws {
        try await PostgresSchema(name: schema).migrate(on: client, logger: logger)
    }

    /// Writes `events` for `topic` to the outbox in the transaction open on `connection`; they become
    /// visible to relays when it commits, and vanish with it if it rolls back.
    ///
    /// - Returns: each event's row sequence, in order.
    /// - Throws: ``BrokerError/invalidTopicName(_:reason:)`` for an invalid topic name; a PostgreSQL
    ///   error (the caller's transaction is then aborted).
    @discardableResult
    public func enqueue(
        _ events: [Event], to topic: String, on connection: PostgresConnection, logger: Logger = Logger(label: "herald.postgres")
    )
        async throws -> [Int64]
    {
        guard !events.isEmpty else { return [] }
        try TopicName.validate(topic)
        var sequences: [Int64] = []
        sequences.reserveCapacity(events.count)
        for chunk in EventColumns.statementChunks(events) {
            let slice = events[chunk]
            var bindings = PostgresBindings(capacity: 12)
            bindings.append(slice.map { Int32(Self.slot(of: $0)) })
            EventColumns.bindArrays(slice, into: &bindings)
            bindings.append(topic)
            // Inserted in the events' order, so the sequence numbers them so: sorted, they are the events'.
            let sql = """
                INSERT INTO \(table) (topic, slot, \(EventColumns.names))
                SELECT $12, slot, \(EventColumns.names) FROM \(EventColumns.unnest(leading: [("slot", "integer")]))
                ORDER BY e.ordinality
                RETURNING sequence
                """
            var inserted: [Int64] = []
            for try await sequence in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).decode(Int64.self) {
                inserted.append(sequence)
            }
            sequences += inserted.sorted()
        }
        try await PostgresWakeups.notify(OutboxRelay.wakeupTopic, channel: PostgresWakeups.channel(forSchema: schema), on: connection, logger: logger)
        return sequences
    }

    /// An ``EventSink`` writing to this outbox in the transaction open on `connection`: give it to
    /// ``MessageContext/publishing(to:)`` so that a handler's publishes commit with its writes.
    public func sink(on connection: PostgresConnection, logger: Logger = Logger(label: "herald.postgres")) -> PostgresOutboxSink {
        PostgresOutboxSink(outbox: self, connection: connection, logger: logger)
    }

    /// How many rows wait to be relayed.
    ///
    /// - Throws: a PostgreSQL error.
    public func pendingCount(on client: PostgresClient, logger: Logger = Logger(label: "herald.postgres")) async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM \(unescaped: table)", logger: logger).collect()
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    /// The slot of an event: by its ordering key (partition key, else `source` and `id`).
    static func slot(of event: Event) -> Int {
        let key = event.partitionKey ?? "\(event.source)\u{0}\(event.id)"
        return PartitionKeyHasher.partition(forKey: key, partitionCount: slotCount).index
    }
}
