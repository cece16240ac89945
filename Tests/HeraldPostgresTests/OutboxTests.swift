import Foundation
import Herald
import HeraldPostgres
import NIOCore
import PostgresNIO
import Synchronization
import Testing

/// The transactional outbox and its relay.
@Suite(
    "PostgreSQL outbox",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct OutboxTests {
    private struct Abandon: Error {}

    /// Forwards to a broker and counts what it forwarded.
    private final class CountingSink: EventSink {
        let target: any Broker
        // Atomic: relays send from their own tasks.
        let sent = Atomic<Int>(0)
        init(_ target: any Broker) { self.target = target }
        func send(_ events: [Event], to topic: String) async throws -> [PublishOutcome] {
            let outcomes = try await target.send(events, to: topic)
            sent.add(events.count, ordering: .relaxed)
            return outcomes
        }
    }

    private static func event(_ id: String, key: String, number: Int) throws -> Event {
        try Event(id: id, source: "/outbox-test", type: "order.placed.v1", subject: key, data: ByteBuffer(string: "\(key):\(number)"))
    }

    @Test("a transaction that rolls back publishes nothing; one that commits is relayed with its rows")
    func rollbackPublishesNothing() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        try await withClient(url: url) { client in
            let outbox = try PostgresOutbox(schema: schema)
            try await outbox.prepare(on: client, logger: testLogger)
            try await client.query("CREATE TABLE \(unescaped: schema).orders (id text PRIMARY KEY)")
            try await client.withTransaction(logger: testLogger) { connection in
                try await connection.query("INSERT INTO \(unescaped: schema).orders (id) VALUES ('kept')", logger: testLogger)
                try await outbox.enqueue([try Self.event("kept", key: "a", number: 0)], to: "orders", on: connection)
            }
            await #expect(throws: (any Error).self) {
                try await client.withTransaction(logger: testLogger) { connection in
                    try await connection.query("INSERT INTO \(unescaped: schema).orders (id) VALUES ('abandoned')", logger: testLogger)
                    try await outbox.enqueue([try Self.event("abandoned", key: "a", number: 1)], to: "orders", on: connection)
                    throw Abandon()
                }
            }
            #expect(try await outbox.pendingCount(on: client) == 1)

            let target = InMemoryBroker()
            try await target.createTopic(TopicConfiguration(name: "orders"))
            let relay = try OutboxRelay(outbox: outbox, client: client, target: target, logger: testLogger)
            let relaying = Task { try await relay.run() }
            try await eventually("the committed row to be relayed and deleted") { try await outbox.pendingCount(on: client) == 0 }
            relaying.cancel()
            _ = try? await relaying.value
            #expect(try await allEvents(of: "orders", in: target).map(\.event.id) == ["kept"])
            let orders = try await client.query("SELECT id FROM \(unescaped: schema).orders").collect().map { try $0.decode(String.self) }
            #expect(orders == ["kept"])
        }
        await dropSchema(schema, url: url)
    }

    @Test("a relay killed with SIGKILL mid-batch loses nothing, and the duplicates it leaves are dropped by the target")
    func relayKilledMidBatch() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        let targetSchema = PostgresTestEnvironment.uniqueSchema()
        let target = try await PostgresBroker.connect(PostgresBrokerOptions(primary: try PostgresURL(url), schema: targetSchema), logger: testLogger)
        try await withClient(url: url) { client in
            let outbox = try PostgresOutbox(schema: schema)
            try await outbox.prepare(on: client, logger: testLogger)
            for topic in ["orders", "payments"] { try await target.createTopic(TopicConfiguration(name: topic, partitions: 2)) }
            // 500 events over two topics and ten keys, each key's events numbered in the order written.
            var expected: [String: [String]] = ["orders": [], "payments": []]
            var numbers: [String: Int] = [:]
            for transaction in 0..<10 {
                try await client.withTransaction(logger: testLogger) { connection in
                    for index in 0..<50 {
                        let topic = index % 2 == 0 ? "orders" : "payments"
                        let key = "key-\(index % 10)"
                        let number = numbers["\(topic)/\(key)", default: 0]
                        numbers["\(topic)/\(key)"] = number + 1
                        let id = "\(topic)-\(transaction)-\(index)"
                        expected[topic, default: []].append(id)
                        try await outbox.enqueue([try Self.event(id, key: key, number: number)], to: topic, on: connection)
                    }
                }
            }
            // The probe relays batches of 200 and dies once the target confirmed 150 events: after its first
            // batch's publishes, before that batch's rows are deleted.
            let ending = try await ProbeProcess.run(["relay", url, schema, "\(targetSchema):150"])
            #expect(ending.wasKilled, "the relay was to kill itself mid-batch; it ended with status \(ending.status)")
            let leftBehind = try await outbox.pendingCount(on: client)
            let publishedBeforeKill = try await allEvents(of: "orders", in: target).count + allEvents(of: "payments", in: target).count
            #expect(leftBehind == 500, "the killed relay deleted nothing (its batch was not finished)")
            #expect(publishedBeforeKill >= 150, "the target confirmed events before the kill")

            let relay = try OutboxRelay(outbox: outbox, client: client, target: target, logger: testLogger)
            let relaying = Task { try await relay.run() }
            try await eventually("the second relay to empty the outbox") { try await outbox.pendingCount(on: client) == 0 }
            relaying.cancel()
            _ = try? await relaying.value

            for topic in ["orders", "payments"] {
                let stored = try await allEvents(of: topic, in: target)
                let ids = stored.map(\.event.id)
                #expect(ids.count == Set(ids).count, "\(topic): the target stored a duplicate")
                #expect(Set(ids) == Set(expected[topic] ?? []), "\(topic): every event arrived")
                Self.expectPerKeyOrder(stored, topic: topic)
            }
        }
        await target.close()
        await dropSchema(schema, url: url)
        await dropSchema(targetSchema, url: url)
    }

    @Test("two relays share the slots, send each event once and keep each key's order")
    func twoRelaysKeepOrder() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        try await withClient(url: url, maximumConnections: 10) { client in
            let outbox = try PostgresOutbox(schema: schema)
            try await outbox.prepare(on: client, logger: testLogger)
            let target = InMemoryBroker()
            try await target.createTopic(TopicConfiguration(name: "orders", partitions: 4))
            let sinks = [CountingSink(target), CountingSink(target)]
            let relays = try sinks.map { sink in
                try OutboxRelay(
                    outbox: outbox, client: client, target: sink, options: OutboxRelayOptions(batchSize: 50, maximumSlots: 32), logger: testLogger)
            }
            let relaying = relays.map { relay in Task { try await relay.run() } }
            // Four writers, each writing its own five keys in order while the relays run.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for number in 0..<40 {
                            try await client.withTransaction(logger: testLogger) { connection in
                                let events = try (0..<5).map { key in
                                    try Self.event("w\(writer)-k\(key)-\(number)", key: "w\(writer)-k\(key)", number: number)
                                }
                                try await outbox.enqueue(events, to: "orders", on: connection)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await eventually("the relays to empty the outbox") { try await outbox.pendingCount(on: client) == 0 }
            for task in relaying { task.cancel() }
            for task in relaying { _ = try? await task.value }

            let counts = sinks.map { $0.sent.load(ordering: .relaxed) }
            #expect(counts.allSatisfy { $0 > 0 }, "both relays worked: \(counts)")
            #expect(counts.reduce(0, +) == 800, "no event was sent twice: \(counts)")
            let stored = try await allEvents(of: "orders", in: target)
            #expect(stored.count == 800)
            Self.expectPerKeyOrder(stored, topic: "orders")
        }
        await dropSchema(schema, url: url)
    }

    /// Within each partition, each key's numbers rise with the offset.
    private static func expectPerKeyOrder(_ stored: [StoredEvent], topic: String) {
        var last: [String: Int] = [:]
        for event in stored.sorted(by: { ($0.partition.index, $0.offset.value) < ($1.partition.index, $1.offset.value) }) {
            let parts = String(buffer: event.event.data ?? ByteBuffer()).split(separator: ":")
            guard parts.count == 2, let number = Int(parts[1]) else {
                Issue.record("\(topic): unexpected payload of \(event.event.id)")
                continue
            }
            let key = String(parts[0])
            if let previous = last[key] {
                #expect(number > previous, "\(topic): key \(key) went from \(previous) to \(number)")
            }
            last[key] = number
        }
    }
}
