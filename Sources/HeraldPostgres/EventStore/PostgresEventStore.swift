import Foundation
import Herald
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// An ``EventStore`` on PostgreSQL, in the tables of a Herald schema (version 4, created and migrated by
/// the library like the broker's).
///
/// **The global order is the commit order**, the broker's sequence-gap problem again, solved the same
/// way: every append first locks one counter row (`store_head`) and takes its positions from it, holding
/// it until it commits, so positions become visible in increasing order and a subscription reading after
/// its last position never steps over a slower append. Under that lock it reads the stream's revision,
/// checks the expected revision (and the ids of a possible retry), and writes; revisions are also unique
/// per stream in the table (`UNIQUE (stream, revision)`), and a violation is reported as the conflict.
/// The price is that appends commit one at a time (batches make them cheaper). Subscriptions wait on LISTEN/NOTIFY, and poll every second in case one was missed.
public final class PostgresEventStore: EventStore {
    private let client: PostgresClient
    private let tables: String
    private let logger: Logger
    private let wakeups: PostgresWakeups
    // Atomic: names each waiting subscription's signal; subscriptions wait from any task.
    private let lastWaiter = Atomic<UInt64>(0)
    private let running: Task<Void, Never>
    private static let topic = "$store"

    private init(client: PostgresClient, schema: String, logger: Logger, running: Task<Void, Never>) {
        self.client = client
        self.tables = schema
        self.logger = logger
        self.wakeups = PostgresWakeups(schema: schema)
        self.running = running
    }

    /// Connects to `url`, creates or migrates the schema, and starts listening for appends. ``close()``
    /// disconnects.
    ///
    /// - Throws: ``EventStoreError/unavailable(_:isRetryable:)`` when the database cannot be reached within
    ///   `connectTimeout` or holds a newer schema; ``BrokerError/invalidConfiguration(topic:setting:value:rule:)``
    ///   for an invalid schema name.
    public static func connect(
        _ url: PostgresURL, schema: String = "herald", maximumConnections: Int = 8, connectTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "herald.postgres")
    ) async throws -> PostgresEventStore {
        guard PostgresBrokerOptions.isValidSchema(schema) else {
            throw BrokerError.invalidConfiguration(
                topic: "-", setting: "schema", value: "'\(schema)'", rule: "must be 1 to 40 lowercase letters, digits or _, starting with a letter")
        }
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = max(2, maximumConnections)
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let running = Task { await client.run() }
        let store = PostgresEventStore(client: client, schema: schema, logger: logger, running: running)
        let migrated = try? await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await PostgresSchema(name: schema).migrate(on: client, logger: logger)
                return true
            }
            group.addTask {
                try await Task.sleep(for: connectTimeout)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        guard migrated == true else {
            running.cancel()
            throw EventStoreError.unavailable(
                "PostgreSQL at \(url.host):\(url.port) could not be reached, or its schema '\(schema)' prepared, within \(connectTimeout)")
        }
        store.wakeups.start(on: client, pollInterval: .seconds(1), logger: logger)
        return store
    }

    /// Stops listening and disconnects.
    public func close() async {
        await wakeups.stop()
        running.cancel()
        await running.value
    }

    /// Appends atomically if `expected` holds; the same ids again with the same expectation return the
    /// first append's result.
    ///
    /// - Throws: ``WrongExpectedRevisionError``; ``EventStoreError``.
    public func append(_ events: [Event], to stream: String, expecting expected: ExpectedRevision) async throws -> AppendResult {
        try AppendRules.validate(events, to: stream)
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await self.append(events, to: stream, expecting: expected, on: connection)
            }
        } catch {
            let cause = PostgresBroker.cause(of: error)
            if let conflict = cause as? WrongExpectedRevisionError { throw conflict }
            if let psql = cause as? PSQLError, psql.serverInfo?[.sqlState] == "23505" {
                // Not reached while every append takes the head row first; a revision written by other means
                // is still reported as the conflict it is, not as a failure.
                throw WrongExpectedRevisionError(stream: stream, expected: expected, actual: try await lastRevision(of: stream))
            }
            throw failure("appending \(events.count) events to stream '\(stream)'", error)
        }
    }

    private func append(
        _ events: [Event], to stream: String, expecting expected: ExpectedRevision, on connection: PostgresConnection
    ) async throws
        -> AppendResult
    {
        // The head row first, for every append: it serializes appends (so positions commit in order) and,
        // taken before anything else, leaves no lock order for two appends to deadlock on.
        let headRows = try await connection.query(
            "SELECT position FROM \(unescaped: tables).store_head WHERE id = 1 FOR UPDATE", logger: logger
        ).collect()
        guard let head = try headRows.first?.decode(Int64.self) else {
            throw EventStoreError.unavailable("the schema's store_head row is missing; the schema is damaged", isRetryable: false)
        }
        let rows = try await connection.query(
            "SELECT revision FROM \(unescaped: tables).store_streams WHERE stream = \(stream)", logger: logger
        ).collect()
        let current = try rows.first.map { UInt64(clamping: try $0.decode(Int64.self)) }
        if let earlier = try await alreadyAppended(events, stream: stream, current: current, expected: expected, on: connection) {
            return earlier
        }
        guard expected.isMet(byCurrent: current) else {
            throw WrongExpectedRevisionError(stream: stream, expected: expected, actual: current)
        }
        let count = Int64(events.count)
        let firstPosition = head + 1
        let lastPosition = head + count
        let firstRevision = current.map { Int64(clamping: $0) + 1 } ?? 0
        var bindings = PostgresBindings(capacity: 14)
        bindings.append((0..<count).map { firstPosition + $0 })
        bindings.append((0..<count).map { firstRevision + $0 })
        EventColumns.bindArrays(events, into: &bindings)
        bindings.append(stream)
        bindings.append(wakeups.channel)
        bindings.append(Self.topic)
        let unnest = EventColumns.unnest(leading: [("position", "bigint"), ("revision", "bigint")])
        let lastRevision = firstRevision + count - 1
        let sql = """
            WITH inserted AS (
                INSERT INTO \(tables).store_events (position, stream, revision, \(EventColumns.names), recorded_at)
                SELECT position, $13, revision, \(EventColumns.names), clock_timestamp() FROM \(unnest)),
            moved AS (
                INSERT INTO \(tables).store_streams (stream, revision) VALUES ($13, \(lastRevision))
                ON CONFLICT (stream) DO UPDATE SET revision = EXCLUDED.revision),
            advanced AS (UPDATE \(tables).store_head SET position = \(lastPosition) WHERE id = 1)
            SELECT pg_notify($14, $15)
            """
        try await connection.perform(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        return AppendResult(nextExpectedRevision: UInt64(lastRevision), position: UInt64(lastPosition))
    }

    /// The first append's result if `events` are that append again
    /// (``AppendRules/retryRevisions(count:expected:current:)``).
    private func alreadyAppended(
        _ events: [Event], stream: String, current: UInt64?, expected: ExpectedRevision, on connection: PostgresConnection
    ) async throws -> AppendResult? {
        guard let revisions = AppendRules.retryRevisions(count: events.count, expected: expected, current: current) else { return nil }
        let start = Int64(clamping: revisions.lowerBound)
        let end = Int64(clamping: revisions.upperBound)
        let rows = try await connection.query(
            """
            SELECT revision, position, id FROM \(unescaped: tables).store_events
            WHERE stream = \(stream) AND revision >= \(start) AND revision < \(end) ORDER BY revision
            """, logger: logger
        ).collect()
        var last: (revision: Int64, position: Int64)?
        var ids: [String] = []
        for row in rows {
            let (revision, position, id) = try row.decode((Int64, Int64, String).self)
            ids.append(id)
            last = (revision, position)
        }
        guard ids == events.map(\.id), let last else { return nil }
        return AppendResult(nextExpectedRevision: UInt64(last.revision), position: UInt64(last.position), wasAlreadyAppended: true)
    }

    /// Up to `limit` events of `stream` from `start` in `direction`.
    ///
    /// - Throws: ``EventStoreError``.
    public func read(stream: String, from start: StreamReadStart, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        try StreamName.validate(stream)
        guard limit > 0 else { return [] }
        let bound: Int64?
        switch start {
        case .start: bound = direction == .forwards ? 0 : -1
        case .end: bound = direction == .forwards ? Int64.max : nil
        case .revision(let revision): bound = Int64(clamping: revision)
        }
        let filter: String
        switch (direction, bound) {
        case (.forwards, let bound?): filter = "AND revision >= \(bound) ORDER BY revision"
        case (.forwards, nil): filter = "ORDER BY revision"
        case (.backwards, let bound?): filter = "AND revision <= \(bound) ORDER BY revision DESC"
        case (.backwards, nil): filter = "ORDER BY revision DESC"
        }
        return try await select("WHERE stream = $1 \(filter) LIMIT \(min(limit, 10_000))", binding: stream, "reading stream '\(stream)'")
    }

    /// Up to `limit` events of every stream in global order from `position`.
    ///
    /// - Throws: ``EventStoreError``.
    public func readAll(from position: UInt64, limit: Int) async throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        return try await select(
            "WHERE position >= $1 ORDER BY position LIMIT \(min(limit, 10_000))", binding: Int64(clamping: position), "reading all streams")
    }

    /// The last revision of `stream`.
    ///
    /// - Throws: ``EventStoreError``.
    public func lastRevision(of stream: String) async throws -> UInt64? {
        try StreamName.validate(stream)
        do {
            let rows = try await client.query(
                "SELECT revision FROM \(unescaped: tables).store_streams WHERE stream = \(stream)", logger: logger
            ).collect()
            return try rows.first.map { UInt64(clamping: try $0.decode(Int64.self)) }
        } catch {
            throw failure("reading the revision of stream '\(stream)'", error)
        }
    }

    /// The global position of the newest event.
    ///
    /// - Throws: ``EventStoreError``.
    public func headPosition() async throws -> UInt64? {
        do {
            let rows = try await client.query("SELECT position FROM \(unescaped: tables).store_head WHERE id = 1", logger: logger).collect()
            guard let head = try rows.first?.decode(Int64.self), head >= 0 else { return nil }
            return UInt64(head)
        } catch {
            throw failure("reading the head position", error)
        }
    }

    /// Returns when an append after `position` may have committed (a notification, or the head already
    /// past it), or at `deadline`.
    public func waitForAppends(after position: UInt64?, until deadline: ContinuousClock.Instant) async {
        let signal = AsyncSignal()
        let id = lastWaiter.wrappingAdd(1, ordering: .relaxed).newValue
        wakeups.register(id, topic: Self.topic, signal: signal)
        defer { wakeups.unregister(id, topic: Self.topic) }
        // Registered before looking: an append committing after the look notifies the signal.
        if let head = try? await headPosition(), position.map({ head > $0 }) ?? true { return }
        await signal.wait(until: deadline)
    }

    private func select(
        _ condition: String, binding value: some PostgresNonThrowingEncodable & Sendable, _ operation: String
    ) async throws
        -> [RecordedEvent]
    {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(value)
        let sql = "SELECT stream, revision, position, recorded_at, \(EventColumns.eventNames.joined(separator: ", ")) FROM \(tables).store_events \(condition)"
        do {
            return try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect().map { row in
                let (stream, revision, position, recordedAt, id, source, type, subject, time, contentType, schema, extensions, data) = try row.decode(
                    (String, Int64, Int64, Date, String, String, String, String?, String?, String?, String?, String?, ByteBuffer?).self)
                let event = try EventColumns.event(
                    id: id, source: source, type: type, subject: subject, time: time, contentType: contentType, schema: schema, extensions: extensions,
                    data: data)
                return RecordedEvent(
                    stream: stream, revision: UInt64(clamping: revision), position: UInt64(clamping: position), event: event, recordedAt: recordedAt)
            }
        } catch {
            throw failure(operation, error)
        }
    }

    private func failure(_ operation: String, _ error: any Error) -> EventStoreError {
        if let error = PostgresBroker.cause(of: error) as? EventStoreError { return error }
        return EventStoreError.unavailable("\(operation) failed in PostgreSQL: \(PostgresBroker.describe(error))")
    }
}
