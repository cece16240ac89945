import Foundation
import Herald
import HeraldPostgres
import NIOCore
import PostgresNIO
import Synchronization
import Testing

/// The id of the event the projection refuses, if any. A class: the test changes it while the runner
/// holds the projection.
private final class Refusal: Sendable {
    // Mutex: set by the test, read by the runner's task.
    let id: Mutex<String?>
    init(_ id: String?) { self.id = Mutex(id) }
}

/// Balances per account in a table of the test's schema; refuses the event `refused` names.
private struct BalanceTable: PostgresProjection {
    let schema: String
    let refused: Refusal
    var name: String { "balances" }

    func apply(_ recorded: RecordedEvent, on connection: PostgresConnection) async throws {
        if refused.id.withLock({ $0 }) == recorded.event.id { throw RefusedEvent(id: recorded.event.id) }
        let amount = Int64(recorded.event.data.map { String(buffer: $0) }.flatMap { Int64($0) } ?? 0)
        _ = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).balances (account, amount) VALUES (\(recorded.stream), \(amount))
            ON CONFLICT (account) DO UPDATE SET amount = \(unescaped: schema).balances.amount + EXCLUDED.amount
            """, logger: testLogger
        ).collect()
    }

    func reset(on connection: PostgresConnection) async throws {
        _ = try await connection.query("DELETE FROM \(unescaped: schema).balances", logger: testLogger).collect()
    }
}

private struct RefusedEvent: Error {
    let id: String
}

@Suite(
    "PostgreSQL projections",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct PostgresProjectionTests {
    private func balances(_ schema: String, client: PostgresClient) async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for try await (account, amount) in try await client.query("SELECT account, amount FROM \(unescaped: schema).balances", logger: testLogger)
            .decode((String, Int64).self)
        {
            result[account] = amount
        }
        return result
    }

    @Test("the read model and its checkpoint commit together: a failed page changes neither, and the next run applies every event once")
    func modelAndCheckpointTogether() async throws {
        try await withUniqueSchema { url, schema in
            let store = try await PostgresEventStore.connect(try PostgresURL(url), schema: schema, logger: testLogger)
            try await withClient(url: url) { client in
                _ = try await client.query("CREATE TABLE \(unescaped: schema).balances (account text PRIMARY KEY, amount bigint NOT NULL)", logger: testLogger)
                    .collect()
                var expected: [String: Int64] = [:]
                for index in 0..<40 {
                    let stream = "account-\(index % 3)"
                    _ = try await store.append(
                        [try Event(id: "d\(index)", source: "/test", type: "test.deposit.v1", data: ByteBuffer(string: "\(index)"))], to: stream,
                        expecting: .any)
                    expected[stream, default: 0] += Int64(index)
                }
                let projection = BalanceTable(schema: schema, refused: Refusal("d25"))
                let runner = PostgresProjectionRunner(projection: projection, store: store, client: client, schema: schema, logger: testLogger)
                await #expect(throws: RefusedEvent.self) { try await runner.catchUp(pageSize: 10) }
                // Pages 0-9 and 10-19 committed; the page holding d25 did not, checkpoint included.
                #expect(try await runner.checkpoint() == 19)
                let behind = try await runner.status()
                #expect(behind.position == 19 && behind.headPosition == 39 && behind.positionsBehind == 20, "\(behind)")
                #expect(behind.lastAppliedRecordedAt != nil)
                let partial = try await balances(schema, client: client)
                #expect(partial.values.reduce(0, +) == (0..<20).reduce(0, +))
                projection.refused.id.withLock { $0 = nil }
                #expect(try await runner.catchUp(pageSize: 10) == 20)
                #expect(try await runner.checkpoint() == 39)
                #expect(try await runner.status().positionsBehind == 0)
                #expect(try await balances(schema, client: client) == expected)
                #expect(try await runner.rebuild(pageSize: 7) == 40)
                #expect(try await balances(schema, client: client) == expected)
            }
            await store.close()
        }
    }

    @Test("a running projection follows appends as they commit")
    func followsLive() async throws {
        try await withUniqueSchema { url, schema in
            let store = try await PostgresEventStore.connect(try PostgresURL(url), schema: schema, logger: testLogger)
            try await withClient(url: url) { client in
                _ = try await client.query("CREATE TABLE \(unescaped: schema).balances (account text PRIMARY KEY, amount bigint NOT NULL)", logger: testLogger)
                    .collect()
                let runner = PostgresProjectionRunner(
                    projection: BalanceTable(schema: schema, refused: Refusal(nil)), store: store, client: client, schema: schema, logger: testLogger)
                let running = Task { try await runner.run(pageSize: 16) }
                for index in 0..<50 {
                    _ = try await store.append(
                        [try Event(id: "l\(index)", source: "/test", type: "test.deposit.v1", data: ByteBuffer(string: "2"))], to: "account-\(index % 2)",
                        expecting: .any)
                }
                try await eventually("the projection at the head") { try await runner.checkpoint() == 49 }
                running.cancel()
                try? await running.value
                #expect(try await balances(schema, client: client) == ["account-0": 50, "account-1": 50])
            }
            await store.close()
        }
    }
}
