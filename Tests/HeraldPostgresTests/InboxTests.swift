import Foundation
import Herald
import HeraldPostgres
import MetricsTestKit
import NIOCore
import PostgresNIO
import Testing

/// The inbox: the record of a handled event commits with the handler's writes.
@Suite(
    "PostgreSQL inbox",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct InboxTests {
    private struct HandlerFailed: Error {}

    /// A schema with the inbox's tables and an `effects` table the handlers write to.
    private static func prepare(_ schema: String, client: PostgresClient) async throws -> PostgresOutbox {
        let outbox = try PostgresOutbox(schema: schema)
        try await outbox.prepare(on: client, logger: testLogger)
        try await client.query("CREATE TABLE \(unescaped: schema).effects (event_id text NOT NULL)")
        return outbox
    }

    private static func effects(_ schema: String, client: PostgresClient) async throws -> [String] {
        try await client.query("SELECT event_id FROM \(unescaped: schema).effects ORDER BY event_id").collect().map { try $0.decode(String.self) }
    }

    private static func records(_ schema: String, client: PostgresClient) async throws -> Int {
        Int(try await client.query("SELECT count(*) FROM \(unescaped: schema).inbox").collect().first?.decode(Int64.self) ?? -1)
    }

    /// Deliveries of `events` from an in-memory broker, each wrapped in a context.
    private static func contexts(of events: [Event]) async throws -> [MessageContext] {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "work", deduplicationWindow: .zero))
        _ = try await broker.publish(events, to: "work")
        let subscription = try await broker.subscribe(to: "work", group: "g", options: SubscriptionOptions())
        var contexts: [MessageContext] = []
        for _ in events {
            let delivery = try #require(try await subscription.next())
            contexts.append(MessageContext(delivery: delivery, logger: testLogger, publisher: Publisher(broker: broker, source: "/inbox-test")))
        }
        return contexts
    }

    private static func event(_ id: String, data: String = "payload") throws -> Event {
        try Event(id: id, source: "/inbox-test", type: "work.v1", data: ByteBuffer(string: data))
    }

    @Test("a failed handler leaves no record and no writes; after a commit a redelivery is skipped; its publishes are in the outbox")
    func recordCommitsWithWrites() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        try await withClient(url: url) { client in
            let outbox = try await Self.prepare(schema, client: client)
            let inbox = try PostgresInbox(client: client, consumer: "billing", outbox: outbox, logger: testLogger)
            let contexts = try await Self.contexts(of: [try Self.event("e1"), try Self.event("e1")])
            let body: @Sendable (PostgresConnection, MessageContext) async throws -> Void = { connection, context in
                try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(context.event.id))", logger: testLogger)
                try await context.publisher.publish(try Event(id: "out-\(context.event.id)", source: "/billing", type: "billed.v1"), to: "billed")
            }

            await #expect(throws: HandlerFailed.self) {
                try await inbox.handle(contexts[0]) { connection, context in
                    try await body(connection, context)
                    throw HandlerFailed()
                }
            }
            #expect(try await Self.effects(schema, client: client).isEmpty)
            #expect(try await Self.records(schema, client: client) == 0)
            #expect(try await outbox.pendingCount(on: client) == 0)

            #expect(try await inbox.handle(contexts[0], body) == .handled)
            #expect(try await inbox.handle(contexts[1], body) == .duplicate)
            #expect(try await Self.effects(schema, client: client) == ["e1"])
            #expect(try await Self.records(schema, client: client) == 1)
            #expect(try await outbox.pendingCount(on: client) == 1)
        }
        await dropSchema(schema, url: url)
    }

    @Test("a reused key with a different payload is reported as a conflict, not skipped as a duplicate")
    func reusedKeyConflicts() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        try await withClient(url: url) { client in
            let outbox = try await Self.prepare(schema, client: client)
            let inbox = try PostgresInbox(client: client, consumer: "billing", outbox: outbox, logger: testLogger)
            let contexts = try await Self.contexts(of: [try Self.event("e1", data: "10 EUR"), try Self.event("e1", data: "99 EUR")])
            let body: @Sendable (PostgresConnection, MessageContext) async throws -> Void = { connection, context in
                try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(context.event.id))", logger: testLogger)
            }
            #expect(try await inbox.handle(contexts[0], body) == .handled)
            let error = await #expect(throws: IdempotencyConflictError.self) { try await inbox.handle(contexts[1], body) }
            #expect(error?.key == "/inbox-test#e1")
            #expect(error?.existing == PayloadFingerprint(of: contexts[0].event))
            #expect(try await Self.effects(schema, client: client) == ["e1"])
        }
        await dropSchema(schema, url: url)
    }

    @Test("an event older than the purged records is a possible duplicate: logged, counted, and skipped under .skip")
    func possibleDuplicateAfterRetention() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        try await withClient(url: url) { client in
            let outbox = try await Self.prepare(schema, client: client)
            let metrics = TestMetrics()
            let inbox = try PostgresInbox(
                client: client, consumer: "billing", outbox: outbox, retention: .milliseconds(1), possibleDuplicates: .skip, logger: testLogger,
                metrics: metrics)
            let contexts = try await Self.contexts(of: [try Self.event("e1"), try Self.event("e1")])
            let body: @Sendable (PostgresConnection, MessageContext) async throws -> Void = { connection, context in
                try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(context.event.id))", logger: testLogger)
            }
            #expect(try await inbox.handle(contexts[0], body) == .handled)
            // Older than the 1 ms retention by the time it runs: the record goes, the horizon moves past the event.
            // (The handle's own purge may have removed it already.)
            try await eventually("the record to age out and be purged") {
                try await inbox.purge()
                return try await Self.records(schema, client: client) == 0
            }
            #expect(try await inbox.handle(contexts[1], body) == .possibleDuplicateSkipped)
            #expect(try await Self.effects(schema, client: client) == ["e1"], "the possible duplicate did not run again")
            let counter = try metrics.expectCounter("herald_inbox_possible_duplicates_total", [("consumer", "billing")])
            #expect(counter.totalValue == 1)
        }
        await dropSchema(schema, url: url)
    }

    @Test(
        "a consumer process killed at each step between receive, write, commit and ack causes no duplicated side effect",
        arguments: ["received", "recorded", "wrote", "committed", "acked"])
    func killedAtEachStep(_ step: String) async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        var options = PostgresBrokerOptions(primary: try PostgresURL(url), schema: schema)
        options.confirmAcknowledgements = true
        let broker = try await PostgresBroker.connect(options, logger: testLogger)
        try await withClient(url: url) { client in
            let outbox = try await Self.prepare(schema, client: client)
            try await broker.createTopic(TopicConfiguration(name: "work"))
            let ids = ["job-1", "job-2", "job-3"]
            _ = try await broker.publish(try ids.map { try Self.event($0) }, to: "work")

            let ending = try await ProbeProcess.run(["inbox", url, schema, step])
            #expect(ending.wasKilled, "the consumer was to die at '\(step)'; it ended with status \(ending.status): \(ending.output)")

            // A healthy consumer takes over; the dead one's delivery comes back after its 1 s ack deadline.
            let inbox = try PostgresInbox(client: client, consumer: "effects", outbox: outbox, logger: testLogger)
            let subscription = try await broker.subscribe(to: "work", group: "effects", options: SubscriptionOptions(ackDeadline: .seconds(1)))
            var outcomes: [InboxOutcome] = []
            while try await broker.lag(group: "effects", on: "work").totalPending > 0 {
                guard let delivery = try await subscription.next() else { break }
                let context = MessageContext(delivery: delivery, logger: testLogger, publisher: Publisher(broker: broker, source: "/inbox-test"))
                outcomes.append(
                    try await inbox.handle(context) { connection, context in
                        try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(context.event.id))", logger: testLogger)
                    })
                try await delivery.ack()
            }
            await subscription.close()
            #expect(try await Self.effects(schema, client: client) == ids, "each job's side effect happened exactly once (killed at '\(step)')")
            let expectedDuplicates = ["committed"].contains(step) ? 1 : 0
            #expect(outcomes.filter { $0 == .duplicate }.count == expectedDuplicates, "outcomes after a kill at '\(step)': \(outcomes)")
        }
        await broker.close()
        await dropSchema(schema, url: url)
    }
}
