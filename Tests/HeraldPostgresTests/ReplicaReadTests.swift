import Foundation
import Herald
import HeraldPostgres
import NIOCore
import PostgresNIO
import Testing

/// Reads apart from writes: with a streaming replica configured, the reads that may lag go there and
/// everything that must be current stays on the primary. Replay on the replica is paused on purpose, so
/// the replica is visibly behind.
@Suite(
    "PostgreSQL broker: the read replica",
    .serialized,
    .enabled(if: PostgresTestEnvironment.runsReplica, "HERALD_POSTGRES_REPLICA_URL is not set; run scripts/test.sh for a replica")
)
struct ReplicaReadTests {
    @Test("a read served by the replica is at most as fresh as the replica; publishes, leases and acks go to the primary")
    func replicaReadsLag() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let replicaURL = try PostgresTestEnvironment.requireReplica()
        let schema = PostgresTestEnvironment.uniqueSchema()
        let primarySQL = try PostgresTestEnvironment.client(url: url, maximumConnections: 2)
        let replicaSQL = try PostgresTestEnvironment.client(url: replicaURL, maximumConnections: 2)
        let clients = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await primarySQL.run() }
                group.addTask { await replicaSQL.run() }
            }
        }
        var options = PostgresBrokerOptions(primary: try PostgresURL(url), replica: try PostgresURL(replicaURL), schema: schema)
        options.maximumConnections = 6
        // Acknowledgements written before ack() returns, so that waiting for replay covers them.
        options.confirmAcknowledgements = true
        let broker = try await PostgresBroker.connect(options, logger: testLogger)
        do {
            try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 1))
            let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions(ackDeadline: .seconds(120)))
            _ = try await broker.publish(try (0..<10).map(Self.event), to: "orders")
            try await Self.waitForReplay(primary: primarySQL, replica: replicaSQL)
            #expect(try await broker.describeTopic("orders").partitions.first?.endOffset == Offset(10))

            try await replicaSQL.query("SELECT pg_wal_replay_pause()")
            _ = try await broker.publish(try (10..<15).map(Self.event), to: "orders")

            // Served by the paused replica: as fresh as it, no fresher.
            #expect(try await broker.describeTopic("orders").partitions.first?.endOffset == Offset(10))
            #expect(try await broker.lag(group: "billing", on: "orders").totalPending == 10)
            // What must be current does not go there: all 15 events are handed out and acknowledged, and a
            // range read is completed from the primary.
            var taken: [Int64] = []
            while taken.count < 15 {
                let batch = try await subscription.next(upTo: 15 - taken.count)
                taken += batch.map(\.offset.value)
                try await Delivery.ack(batch)
            }
            #expect(taken.sorted() == Array(0..<15))
            #expect(try await broker.read(topic: "orders", partition: Partition(0), from: Offset(0), limit: 100).count == 15)
            let stillPaused = try await replicaSQL.query("SELECT pg_is_wal_replay_paused()").collect()
            #expect(try stillPaused.first?.decode(Bool.self) == true)

            try await replicaSQL.query("SELECT pg_wal_replay_resume()")
            try await Self.waitForReplay(primary: primarySQL, replica: replicaSQL)
            #expect(try await broker.describeTopic("orders").partitions.first?.endOffset == Offset(15))
            #expect(try await broker.lag(group: "billing", on: "orders").totalPending == 0)
            await subscription.close()
        } catch {
            _ = try? await replicaSQL.query("SELECT pg_wal_replay_resume()")
            await broker.close()
            clients.cancel()
            await dropSchema(schema, url: url)
            throw error
        }
        await broker.close()
        clients.cancel()
        await dropSchema(schema, url: url)
    }

    private static func event(_ number: Int) throws -> Event {
        try Event(id: "order-\(number)", source: "/replica-test", type: "order.placed.v1", data: ByteBuffer(string: "\(number)"))
    }

    /// Waits until the replica has replayed everything the primary has written so far (at most 30 s).
    private static func waitForReplay(primary: PostgresClient, replica: PostgresClient) async throws {
        let target = try await primary.query("SELECT pg_current_wal_lsn()::text").collect().first?.decode(String.self) ?? "0/0"
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let rows = try await replica.query("SELECT pg_last_wal_replay_lsn() >= \(target)::pg_lsn").collect()
            if try rows.first?.decode(Bool?.self) == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the replica did not replay up to \(target) within 30 s")
    }
}
