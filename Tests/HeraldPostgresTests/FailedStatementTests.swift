import Foundation
import Herald
import HeraldPostgres
import NIOCore
import PostgresNIO
import Testing

/// A statement that fails on the server must fail the call. PostgresNIO reports an error raised while a
/// statement that returns rows executes only to whoever reads those rows; left unread, the transaction's
/// COMMIT then ends in a silent rollback and the call reported success for writes that were never kept
/// (found when the event store's first version lost 15 of 16 contending appends that way).
@Suite(
    "PostgreSQL: failed statements",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct FailedStatementTests {
    /// Makes every insert into `table` of `schema` fail with an error naming `marker`.
    private func failInserts(into table: String, schema: String, marker: String, client: PostgresClient) async throws {
        _ = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    CREATE FUNCTION \(schema).refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION '\(marker)'; END $$
                    """), logger: testLogger
        ).collect()
        _ = try await client.query(
            PostgresQuery(unsafeSQL: "CREATE TRIGGER refuse BEFORE INSERT ON \(schema).\(table) FOR EACH ROW EXECUTE FUNCTION \(schema).refuse()"),
            logger: testLogger
        ).collect()
    }

    @Test("a publish whose insert fails on the server throws and reports no receipt")
    func failedPublishThrows() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        let broker = try await PostgresBroker.connect(PostgresBrokerOptions(primary: try PostgresURL(url), schema: schema), logger: testLogger)
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 2))
        try await withClient(url: url) { client in
            try await failInserts(into: "events", schema: schema, marker: "injected publish failure", client: client)
        }
        let events = try (0..<3).map { try Event(id: "e\($0)", source: "/test", type: "test.v1", data: ByteBuffer(string: "\($0)")) }
        await #expect(throws: BrokerError.self) { _ = try await broker.publish(events, to: "orders") }
        await #expect(throws: BrokerError.self) { _ = try await broker.publish(events[0], to: "orders") }
        let description = try await broker.describeTopic("orders")
        #expect(description.partitions.map(\.endOffset.value) == [0, 0])
        await broker.close()
        await dropSchema(schema, url: url)
    }

    @Test("an append whose insert fails on the server throws and leaves the stream as it was")
    func failedAppendThrows() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        let store = try await PostgresEventStore.connect(try PostgresURL(url), schema: schema, logger: testLogger)
        let first = try Event(id: "a0", source: "/test", type: "test.v1")
        _ = try await store.append([first], to: "order-1", expecting: .noStream)
        try await withClient(url: url) { client in
            try await failInserts(into: "store_events", schema: schema, marker: "injected append failure", client: client)
        }
        let second = try Event(id: "a1", source: "/test", type: "test.v1")
        await #expect(throws: EventStoreError.self) { _ = try await store.append([second], to: "order-1", expecting: .exact(0)) }
        #expect(try await store.lastRevision(of: "order-1") == 0)
        #expect(try await store.headPosition() == 0)
        #expect(try await store.readStream("order-1").map(\.event.id) == ["a0"])
        await store.close()
        await dropSchema(schema, url: url)
    }
}
