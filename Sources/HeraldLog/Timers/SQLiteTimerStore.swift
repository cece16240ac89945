import Foundation
import Herald
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization

/// The embedded store of durable timers: an SQLite database file (write-ahead log, synced at every
/// commit) with the timers indexed by due time, so a million pending timers live on disk, not in memory,
/// and the earliest are found at once. Events are kept in the log's binary envelope, exactly as
/// scheduled. One connection, its statements serialised by the store.
public final class SQLiteTimerStore: TimerStore {
    /// The database file.
    public let path: String
    private let connection: SQLiteConnection
    // KeyedLock (one key): a transaction's statements must not interleave with another task's.
    private let serial = KeyedLock()
    // Atomic: orders timers of one due time by when they were scheduled.
    private let lastSequence: Atomic<Int64>
    private let isClosed = Atomic<Bool>(false)

    /// Rows per insert statement (5 values each, within SQLite's 32,766 bound parameters).
    static let rowsPerStatement = 1_000

    private init(path: String, connection: SQLiteConnection, lastSequence: Int64) {
        self.path = path
        self.connection = connection
        self.lastSequence = Atomic(lastSequence)
    }

    /// Opens (creating if needed) the database at `path`.
    ///
    /// - Throws: ``TimerError/Code/unavailable`` when the file cannot be opened or is not a timer store.
    public static func open(path: String, logger: Logger = Logger(label: "herald.timers")) async throws -> SQLiteTimerStore {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: .singleton, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            throw TimerError.unavailable("opening the timer database '\(path)': \(error)", isRetryable: false)
        }
        do {
            for statement in [
                "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                "CREATE TABLE IF NOT EXISTS timers (id TEXT PRIMARY KEY, due REAL NOT NULL, seq INTEGER NOT NULL, topic TEXT NOT NULL, event BLOB NOT NULL)",
                "CREATE INDEX IF NOT EXISTS timers_by_due ON timers (due, seq)",
            ] {
                _ = try await connection.query(statement)
            }
            let last = try await connection.query("SELECT COALESCE(MAX(seq), 0) AS last FROM timers").first?.column("last")?.integer ?? 0
            return SQLiteTimerStore(path: path, connection: connection, lastSequence: Int64(last))
        } catch {
            try? await connection.close()
            throw TimerError.unavailable("preparing the timer database '\(path)': \(error)", isRetryable: false)
        }
    }

    /// Closes the database; later calls fail with ``TimerError/closed()``.
    public func close() async {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        await serial.withLock("db") { try? await connection.close() }
    }

    // MARK: TimerStore

    /// Stores `timers` in one transaction, replacing pending ones of the same ids.
    ///
    /// - Throws: ``TimerError``.
    public func schedule(_ timers: [ScheduledEvent]) async throws {
        guard !timers.isEmpty else { return }
        try await transaction("scheduling \(timers.count) timers") {
            var start = 0
            while start < timers.count {
                let chunk = timers[start..<min(timers.count, start + Self.rowsPerStatement)]
                var binds: [SQLiteData] = []
                binds.reserveCapacity(chunk.count * 5)
                for timer in chunk {
                    var event = ByteBuffer()
                    EventEnvelope.encode(timer.event, into: &event)
                    binds += [
                        .text(timer.id), .float(timer.due.timeIntervalSinceReferenceDate), .integer(Int(self.nextSequence())), .text(timer.topic), .blob(event),
                    ]
                }
                let values = Array(repeating: "(?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                _ = try await self.connection.query(
                    "INSERT INTO timers (id, due, seq, topic, event) VALUES \(values) ON CONFLICT (id) DO UPDATE SET due = excluded.due, seq = excluded.seq, topic = excluded.topic, event = excluded.event",
                    binds)
                start += chunk.count
            }
        }
    }

    /// Removes pending timer `id`.
    ///
    /// - Throws: ``TimerError``.
    public func cancel(_ id: String) async throws -> Bool {
        try await statement("cancelling timer '\(id)'", "DELETE FROM timers WHERE id = ? RETURNING id", [.text(id)]).isEmpty == false
    }

    /// Moves pending timer `id` to `due`.
    ///
    /// - Throws: ``TimerError``.
    public func reschedule(_ id: String, to due: Date) async throws -> Bool {
        try await statement(
            "rescheduling timer '\(id)'", "UPDATE timers SET due = ?, seq = ? WHERE id = ? RETURNING id",
            [.float(due.timeIntervalSinceReferenceDate), .integer(Int(nextSequence())), .text(id)]
        ).isEmpty == false
    }

    /// Up to `limit` timers due at or before `date`, earliest first (then in scheduling order).
    ///
    /// - Throws: ``TimerError``, naming a timer whose stored event does not decode.
    public func due(atOrBefore date: Date, limit: Int) async throws -> [ScheduledEvent] {
        let rows = try await statement(
            "reading due timers", "SELECT id, due, topic, event FROM timers WHERE due <= ? ORDER BY due, seq LIMIT ?",
            [.float(date.timeIntervalSinceReferenceDate), .integer(max(0, limit))])
        return try rows.map { row throws(TimerError) -> ScheduledEvent in
            guard let id = row.column("id")?.string, let due = row.column("due")?.double, let topic = row.column("topic")?.string,
                case .blob(let bytes)? = row.column("event")
            else {
                throw .unavailable("a row of the timer database '\(path)' lacks a column", isRetryable: false)
            }
            do {
                return ScheduledEvent(id: id, topic: topic, event: try EventEnvelope.decode(bytes), due: Date(timeIntervalSinceReferenceDate: due))
            } catch {
                throw .unavailable("timer '\(id)' in '\(path)' holds an event that does not decode: \(error); cancel it", isRetryable: false)
            }
        }
    }

    /// Removes the fired timers still pending with the due time they were read with, in one transaction.
    ///
    /// - Throws: ``TimerError``.
    public func remove(fired timers: [ScheduledEvent]) async throws {
        guard !timers.isEmpty else { return }
        try await transaction("removing \(timers.count) fired timers") {
            var start = 0
            while start < timers.count {
                let chunk = timers[start..<min(timers.count, start + Self.rowsPerStatement)]
                let values = Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")
                let binds = chunk.flatMap { [SQLiteData.text($0.id), .float($0.due.timeIntervalSinceReferenceDate)] }
                _ = try await self.connection.query(
                    "DELETE FROM timers WHERE rowid IN (SELECT timers.rowid FROM timers JOIN (VALUES \(values)) AS fired ON timers.id = fired.column1 AND timers.due = fired.column2)",
                    binds)
                start += chunk.count
            }
        }
    }

    /// The earliest due time.
    ///
    /// - Throws: ``TimerError``.
    public func nextDue() async throws -> Date? {
        let rows = try await statement("reading the next due time", "SELECT MIN(due) AS due FROM timers", [])
        return rows.first?.column("due")?.double.map { Date(timeIntervalSinceReferenceDate: $0) }
    }

    /// How many are pending.
    ///
    /// - Throws: ``TimerError``.
    public func pendingCount() async throws -> Int {
        let rows = try await statement("counting timers", "SELECT COUNT(*) AS count FROM timers", [])
        return rows.first?.column("count")?.integer ?? 0
    }

    // MARK: Support

    private func nextSequence() -> Int64 {
        lastSequence.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// One statement, alone on the connection.
    private func statement(_ what: String, _ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        try checkOpen()
        return try await serial.withLock("db") {
            do {
                return try await connection.query(sql, binds)
            } catch {
                throw TimerError.unavailable("\(what) in '\(path)': \(error)")
            }
        }
    }

    /// `body`'s statements in one transaction, alone on the connection; rolled back when one fails.
    private func transaction(_ what: String, _ body: @Sendable () async throws -> Void) async throws {
        try checkOpen()
        try await serial.withLock("db") {
            do {
                _ = try await connection.query("BEGIN IMMEDIATE")
                do {
                    try await body()
                    _ = try await connection.query("COMMIT")
                } catch {
                    _ = try? await connection.query("ROLLBACK")
                    throw error
                }
            } catch {
                throw TimerError.unavailable("\(what) in '\(path)': \(error)")
            }
        }
    }

    private func checkOpen() throws(TimerError) {
        if isClosed.load(ordering: .relaxed) { throw .closed() }
    }
}
