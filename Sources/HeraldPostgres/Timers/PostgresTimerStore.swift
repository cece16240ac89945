import Foundation
import Herald
import Logging
import NIOCore
import PostgresNIO

/// A ``TimerStore`` on PostgreSQL, in the `timers` table of a Herald schema (version 6): for services that
/// run on PostgreSQL and want their timers in the database they already back up and replicate, instead
/// of a file on one machine.
///
/// One row per pending timer, keyed by its id, with its due time (as the `Date`'s exact seconds, so a
/// timer read can be removed only if it still has the due time it was read with), a sequence number from
/// `timer_sequence` (the order of timers due at the same time) and the event in the columns every Herald
/// table keeps events in. Due timers are read through the index on (due, sequence). Pending timers are
/// rows on the server, so a million of them cost the process nothing.
public final class PostgresTimerStore: TimerStore {
    private let client: PostgresClient
    private let tables: String
    private let logger: Logger
    private let running: Task<Void, Never>

    private init(client: PostgresClient, schema: String, logger: Logger, running: Task<Void, Never>) {
        self.client = client
        self.tables = schema
        self.logger = logger
        self.running = running
    }

    /// Connects to `url` and creates or migrates the schema; ``close()`` disconnects.
    ///
    /// - Throws: ``TimerError`` (`unavailable`) when the database cannot be reached within `connectTimeout`
    ///   or holds a newer schema, or (`invalidTimer`) for an invalid schema name.
    public static func connect(
        _ url: PostgresURL, schema: String = "herald", maximumConnections: Int = 4, connectTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "herald.timers")
    ) async throws -> PostgresTimerStore {
        guard PostgresBrokerOptions.isValidSchema(schema) else {
            throw TimerError(
                code: .invalidTimer, message: "invalid schema '\(schema)': use 1 to 40 lowercase letters, digits or _, starting with a letter")
        }
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let running = Task { await client.run() }
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
            throw TimerError.unavailable(
                "PostgreSQL at \(url.host):\(url.port) could not be reached, or its schema '\(schema)' prepared, within \(connectTimeout)",
                isRetryable: true)
        }
        return PostgresTimerStore(client: client, schema: schema, logger: logger, running: running)
    }

    /// Disconnects.
    public func close() async {
        running.cancel()
        await running.value
    }

    // MARK: TimerStore

    /// Stores `timers` (a timer whose id is pending replaces it), each statement up to 5,000 timers or
    /// 8 MiB of payload, all in one transaction.
    ///
    /// - Throws: ``TimerError``.
    public func schedule(_ timers: [ScheduledEvent]) async throws {
        for timer in timers { try TimerError.validate(timer) }
        // One statement may not update a row twice: of the same id scheduled twice, the later one counts.
        var latest: [String: Int] = [:]
        for (index, timer) in timers.enumerated() { latest[timer.id] = index }
        let unique = timers.enumerated().filter { latest[$0.element.id] == $0.offset }.map(\.element)
        guard !unique.isEmpty else { return }
        let sql = """
            INSERT INTO \(tables).timers (timer_id, due, seq, topic, \(EventColumns.names))
            SELECT timer_id, due, nextval('\(tables).timer_sequence'), topic, \(EventColumns.names)
            FROM \(EventColumns.unnest(leading: [("timer_id", "text"), ("due", "float8"), ("topic", "text")]))
            ORDER BY e.ordinality
            ON CONFLICT (timer_id) DO UPDATE SET
                due = excluded.due, seq = excluded.seq, topic = excluded.topic, id = excluded.id, source = excluded.source,
                type = excluded.type, subject = excluded.subject, time = excluded.time, data_content_type = excluded.data_content_type,
                data_schema = excluded.data_schema, extensions = excluded.extensions, data = excluded.data, size = excluded.size
            """
        try await run("scheduling \(unique.count) timers") {
            try await self.client.withTransaction(logger: self.logger) { connection in
                for chunk in EventColumns.statementChunks(unique.map(\.event)) {
                    let slice = unique[chunk]
                    var bindings = PostgresBindings(capacity: 13)
                    bindings.append(slice.map(\.id))
                    bindings.append(slice.map(\.due.timeIntervalSinceReferenceDate))
                    bindings.append(slice.map(\.topic))
                    EventColumns.bindArrays(slice.map(\.event), into: &bindings)
                    _ = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: self.logger)
                }
            }
        }
    }

    /// Removes the pending timer `id`; `false` when there is none.
    ///
    /// - Throws: ``TimerError``.
    public func cancel(_ id: String) async throws -> Bool {
        try await run("cancelling timer '\(id)'") {
            try await self.client.query("DELETE FROM \(unescaped: self.tables).timers WHERE timer_id = \(id) RETURNING timer_id", logger: self.logger)
                .collect().isEmpty == false
        }
    }

    /// Moves the pending timer `id` to `due`, after the timers already due then; `false` when there is none.
    ///
    /// - Throws: ``TimerError``.
    public func reschedule(_ id: String, to due: Date) async throws -> Bool {
        let seconds = due.timeIntervalSinceReferenceDate
        return try await run("rescheduling timer '\(id)'") {
            try await self.client.query(
                """
                UPDATE \(unescaped: self.tables).timers SET due = \(seconds), seq = nextval('\(unescaped: self.tables).timer_sequence')
                WHERE timer_id = \(id) RETURNING timer_id
                """, logger: self.logger
            ).collect().isEmpty == false
        }
    }

    /// Up to `limit` pending timers due at or before `date`, earliest first (then in scheduling order).
    ///
    /// - Throws: ``TimerError``; a row whose event does not decode is reported with its id.
    public func due(atOrBefore date: Date, limit: Int) async throws -> [ScheduledEvent] {
        let seconds = date.timeIntervalSinceReferenceDate
        let rows = try await run("reading due timers") {
            try await self.client.query(
                """
                SELECT timer_id, due, topic, id, source, type, subject, time, data_content_type, data_schema, extensions, data
                FROM \(unescaped: self.tables).timers WHERE due <= \(seconds) ORDER BY due, seq LIMIT \(max(0, limit))
                """, logger: self.logger
            ).collect()
        }
        return try rows.map(decode)
    }

    /// Removes timers that fired, each only if it still has the due time it was read with.
    ///
    /// - Throws: ``TimerError``.
    public func remove(fired timers: [ScheduledEvent]) async throws {
        guard !timers.isEmpty else { return }
        let ids = timers.map(\.id)
        let dues = timers.map(\.due.timeIntervalSinceReferenceDate)
        try await run("removing \(timers.count) fired timers") {
            _ = try await self.client.query(
                """
                DELETE FROM \(unescaped: self.tables).timers AS t USING unnest(\(ids)::text[], \(dues)::float8[]) AS f(timer_id, due)
                WHERE t.timer_id = f.timer_id AND t.due = f.due
                """, logger: self.logger
            ).collect()
        }
    }

    /// The due time of the earliest pending timer, `nil` when none is pending.
    ///
    /// - Throws: ``TimerError``.
    public func nextDue() async throws -> Date? {
        try await run("reading the next due time") {
            let rows = try await self.client.query("SELECT min(due) FROM \(unescaped: self.tables).timers", logger: self.logger).collect()
            return try rows.first?.decode(Double?.self).map { Date(timeIntervalSinceReferenceDate: $0) }
        }
    }

    /// How many timers are pending.
    ///
    /// - Throws: ``TimerError``.
    public func pendingCount() async throws -> Int {
        try await run("counting timers") {
            let rows = try await self.client.query("SELECT count(*) FROM \(unescaped: self.tables).timers", logger: self.logger).collect()
            return Int(try rows.first?.decode(Int64.self) ?? 0)
        }
    }

    // MARK: Support

    private typealias Row = (String, Double, String, String, String, String, String?, String?, String?, String?, String?, ByteBuffer?)

    private func decode(_ row: PostgresRow) throws(TimerError) -> ScheduledEvent {
        let columns: Row
        do {
            columns = try row.decode(Row.self)
        } catch {
            throw .unavailable("a row of '\(tables).timers' does not decode: \(error)", isRetryable: false)
        }
        let (timerID, due, topic, id, source, type, subject, time, contentType, schema, extensions, data) = columns
        do {
            let event = try EventColumns.event(
                id: id, source: source, type: type, subject: subject, time: time, contentType: contentType, schema: schema, extensions: extensions,
                data: data)
            return ScheduledEvent(id: timerID, topic: topic, event: event, due: Date(timeIntervalSinceReferenceDate: due))
        } catch {
            throw .unavailable("timer '\(timerID)' in '\(tables).timers' holds an event that does not decode: \(error); cancel it", isRetryable: false)
        }
    }

    private func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TimerError {
            throw error
        } catch {
            throw TimerError.unavailable("\(what) failed in PostgreSQL: \(PostgresBroker.describe(error))")
        }
    }
}
