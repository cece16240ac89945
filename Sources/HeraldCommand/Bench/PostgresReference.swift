import Foundation
import HeraldPostgres
import Logging
import NIOCore
import PostgresNIO

/// What PostgreSQL itself does on this machine for the work the PostgreSQL broker's scenarios do, with
/// plain SQL: the same rows (the event's columns, the same payload) inserted in batches of the same
/// size, one statement and one transaction per batch; then consumed as a work queue does it, `DELETE …
/// WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING …`, n being the batch the broker's
/// subscriptions read ahead (64). No offsets, groups, de-duplication, leases or acknowledgements.
struct PostgresReference {
    let url: PostgresURL
    let events: Int
    let batch: Int
    let payload: ByteBuffer
    /// Rows taken and deleted per consume statement.
    static let consumeBatch = 64

    /// The insert and the consume figures.
    func run(logger: Logger) async throws -> (insert: BenchResult, consume: BenchResult) {
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        let schema = PostgresRun.schema(label: "herald_bench_sql")
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            _ = try await client.query("CREATE SCHEMA \(unescaped: schema)", logger: logger).collect()
            _ = try await client.query(
                """
                CREATE TABLE \(unescaped: schema).queue (
                    id bigserial PRIMARY KEY, event_id text NOT NULL, source text NOT NULL, type text NOT NULL, subject text,
                    data_content_type text, data bytea, size integer NOT NULL, stored_at timestamptz NOT NULL DEFAULT clock_timestamp())
                """, logger: logger
            ).collect()
            let clock = ContinuousClock()
            let insertStart = clock.now
            for start in stride(from: 0, to: events, by: batch) {
                let count = min(batch, events - start)
                var bindings = PostgresBindings(capacity: count * 6)
                var values: [String] = []
                values.reserveCapacity(count)
                for index in start..<(start + count) {
                    let parameter = (index - start) * 6
                    bindings.append("bench-\(index)")
                    bindings.append("/herald/bench")
                    bindings.append("herald.bench.v1")
                    bindings.append("key-\(index % 1024)")
                    bindings.append(payload)
                    bindings.append(Int32(payload.readableBytes))
                    values.append(
                        "($\(parameter + 1), $\(parameter + 2), $\(parameter + 3), $\(parameter + 4), 'application/octet-stream', $\(parameter + 5), $\(parameter + 6))"
                    )
                }
                let sql =
                    "INSERT INTO \(schema).queue (event_id, source, type, subject, data_content_type, data, size) VALUES " + values.joined(separator: ", ")
                _ = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect()
            }
            let insertTime = clock.now - insertStart
            let consumeStart = clock.now
            var consumed = 0
            while consumed < events {
                let rows = try await client.query(
                    """
                    DELETE FROM \(unescaped: schema).queue WHERE id IN (
                        SELECT id FROM \(unescaped: schema).queue ORDER BY id LIMIT \(Int64(Self.consumeBatch)) FOR UPDATE SKIP LOCKED)
                    RETURNING id, event_id, source, type, subject, data
                    """, logger: logger
                ).collect()
                if rows.isEmpty { break }
                consumed += rows.count
            }
            let consumeTime = clock.now - consumeStart
            _ = try await client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger).collect()
            guard consumed == events else { throw PostgresReferenceError(consumed: consumed, events: events) }
            return (
                BenchResult(scenario: "reference: plain SQL INSERT, batches of \(batch)", events: events, duration: insertTime),
                BenchResult(
                    scenario: "reference: plain SQL DELETE … SKIP LOCKED … RETURNING, batches of \(Self.consumeBatch)", events: consumed,
                    duration: consumeTime)
            )
        }
    }
}

/// The reference consumed fewer rows than it inserted.
struct PostgresReferenceError: Error, CustomStringConvertible {
    let consumed: Int
    let events: Int
    var description: String { "the plain-SQL reference consumed \(consumed) of the \(events) rows it inserted" }
}
