import Foundation
import Herald
import HeraldPostgres
import NIOCore
import PostgresNIO
import Testing

/// What keeps the broker fast as it runs: its own vacuum of the deliveries table, and seeks to a time
/// without an index on time.
@Suite(
    "PostgreSQL broker: maintenance",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct MaintenanceTests {
    private func withBroker(
        _ configure: (inout PostgresBrokerOptions) -> Void = { _ in }, _ body: (PostgresBroker, String, String) async throws -> Void
    )
        async throws
    {
        try await withUniqueSchema { url, schema in
            var options = PostgresBrokerOptions(primary: try PostgresURL(url), schema: schema)
            options.pollInterval = .milliseconds(200)
            configure(&options)
            let broker = try await PostgresBroker.connect(options, logger: testLogger)
            do {
                try await body(broker, url, schema)
            } catch {
                await broker.close()
                throw error
            }
            await broker.close()
        }
    }

    private func events(_ range: Range<Int>) throws -> [Event] {
        try range.map { index in
            try Event(id: "m-\(index)", source: "/maintenance", type: "maintenance.test.v1", subject: "k\(index % 5)", data: ByteBuffer(string: "\(index)"))
        }
    }

    /// Takes and acknowledges `count` events of `topic` as group `g`, `batch` at a time.
    private func acknowledgeAll(_ count: Int, of topic: String, batch: Int, broker: PostgresBroker) async throws {
        let subscription = try await broker.subscribe(to: topic, group: "g", options: SubscriptionOptions(prefetch: batch))
        var acknowledged = 0
        while acknowledged < count {
            let deliveries = try await subscription.next(upTo: batch)
            try await Delivery.ack(deliveries)
            acknowledged += deliveries.count
        }
        await subscription.close()
    }

    /// How many times `VACUUM` ran by hand (not autovacuum) on the schema's deliveries table.
    private func manualVacuums(of schema: String, client: PostgresClient) async throws -> Int64 {
        let rows = try await client.query(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE schemaname = \(schema) AND relname = 'deliveries'", logger: testLogger
        ).collect()
        return try rows.first?.decode(Int64.self) ?? 0
    }

    @Test("after the configured number of acknowledgements the broker vacuums its deliveries table itself")
    func vacuumsDeliveriesAfterAcknowledgements() async throws {
        try await withBroker({ $0.vacuumDeliveriesAfter = 50 }) { broker, url, schema in
            try await broker.createTopic(TopicConfiguration(name: "churn", partitions: 2))
            _ = try await broker.publish(try events(0..<120), to: "churn")
            try await acknowledgeAll(120, of: "churn", batch: 32, broker: broker)
            try await withClient(url: url) { client in
                try await eventually("a vacuum of \(schema).deliveries") { try await manualVacuums(of: schema, client: client) >= 1 }
            }
        }
    }

    @Test("without the setting, the broker leaves vacuuming to autovacuum")
    func noVacuumWhenDisabled() async throws {
        try await withBroker({ $0.vacuumDeliveriesAfter = nil }) { broker, url, schema in
            try await broker.createTopic(TopicConfiguration(name: "churn", partitions: 1))
            _ = try await broker.publish(try events(0..<80), to: "churn")
            try await acknowledgeAll(80, of: "churn", batch: 80, broker: broker)
            try await withClient(url: url) { client in
                let vacuums = try await manualVacuums(of: schema, client: client)
                #expect(vacuums == 0)
            }
        }
    }

    @Test("a seek to a time lands on each partition's first event stored at or after it, among hundreds")
    func seekToTimeSearchesOffsets() async throws {
        try await withBroker { broker, _, _ in
            try await broker.createTopic(TopicConfiguration(name: "timeline", partitions: 3))
            for chunk in 0..<4 { _ = try await broker.publish(try events(chunk * 100..<chunk * 100 + 100), to: "timeline") }
            try await Task.sleep(for: .milliseconds(50))
            let boundary = Date()
            try await Task.sleep(for: .milliseconds(50))
            let later = try events(400..<700)
            _ = try await broker.publish(later, to: "timeline")
            let stored = try await allEvents(of: "timeline", in: broker)
            let firstLater = Dictionary(grouping: stored.filter { $0.storedAt >= boundary }, by: \.partition).mapValues { $0.map(\.offset.value).min() }
            #expect(stored.filter { $0.storedAt >= boundary }.map(\.event.id).sorted() == later.map(\.id).sorted())

            let subscription = try await broker.subscribe(to: "timeline", group: "g", options: SubscriptionOptions(startPosition: .earliest))
            try await broker.seek(group: "g", on: "timeline", to: .time(boundary))
            var received: [StoredEvent] = []
            while received.count < later.count {
                let batch = try await subscription.next(upTo: 100)
                received += batch.map { StoredEvent(event: $0.event, partition: $0.partition, offset: $0.offset, storedAt: $0.storedAt) }
                try await Delivery.ack(batch)
            }
            #expect(received.map(\.event.id).sorted() == later.map(\.id).sorted())
            for (partition, offset) in firstLater {
                #expect(received.filter { $0.partition == partition }.map(\.offset.value).min() == offset)
            }
            let lag = try await broker.lag(group: "g", on: "timeline")
            #expect(lag.totalPending == 0)
            await subscription.close()
        }
    }
}
