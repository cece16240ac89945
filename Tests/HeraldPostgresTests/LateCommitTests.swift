import Foundation
import Herald
import HeraldPostgres
import NIOCore
import PostgresNIO
import Synchronization
import Testing

/// The sequence-gap problem: a consumer reading by offset must never step over an event that a slower
/// transaction commits after later ones became visible.
@Suite(
    "PostgreSQL broker: late commits",
    .enabled(if: PostgresTestEnvironment.runs, "HERALD_POSTGRES_URL is not set; run scripts/test.sh for a server")
)
struct LateCommitTests {
    private struct Abandon: Error {}

    /// Event ids gathered by many tasks.
    private final class Ids: Sendable {
        // Mutex: writers and consumers add from their own tasks.
        let values = Mutex<[String]>([])
        func add(_ ids: [String]) { values.withLock { $0 += ids } }
        var all: [String] { values.withLock { $0 } }
    }

    @Test("16 writers committing in random order, with slow transactions held open, never make a consumer skip or repeat an event")
    func everyCommittedEventOnce() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        var options = PostgresBrokerOptions(primary: try PostgresURL(url), schema: schema)
        options.maximumConnections = 8
        options.pollInterval = .milliseconds(200)
        let broker = try await PostgresBroker.connect(options, logger: testLogger)
        try await broker.createTopic(TopicConfiguration(name: "late", partitions: 4))
        let writers = try PostgresTestEnvironment.client(url: url, maximumConnections: 18)
        let clientTask = Task { await writers.run() }

        let committed = Ids()
        let received = Ids()
        var members: [Subscription] = []
        for _ in 0..<2 {
            members.append(
                try await broker.subscribe(to: "late", group: "readers", options: SubscriptionOptions(prefetch: 16, ackDeadline: .seconds(300))))
        }
        let subscriptions = members
        let consumers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for subscription in subscriptions {
                    group.addTask {
                        for try await delivery in subscription {
                            received.add([delivery.event.id])
                            try await delivery.ack()
                        }
                    }
                }
                try await group.waitForAll()
            }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<16 {
                group.addTask {
                    for transaction in 0..<8 {
                        let events = try (0..<3).map { index in
                            try Event(
                                id: "w\(writer)-t\(transaction)-e\(index)", source: "/late", type: "late.v1",
                                subject: "key-\(Int.random(in: 0..<12))", data: ByteBuffer(string: "\(writer)"))
                        }
                        let abandon = Int.random(in: 0..<6) == 0
                        do {
                            try await writers.withTransaction(logger: testLogger) { connection in
                                _ = try await broker.publish(events, to: "late", on: connection)
                                // Held open on purpose, so that commits land in an order unlike the offsets'.
                                try await Task.sleep(for: .milliseconds(Int.random(in: 0...40)))
                                if abandon { throw Abandon() }
                            }
                            committed.add(events.map(\.id))
                        } catch  where abandon {
                            // Rolled back: these events must never be seen.
                        }
                    }
                }
            }
            try await group.waitForAll()
        }

        try await broker.waitUntilIdle(groups: [GroupReference(topic: "late", group: "readers")], timeout: .seconds(60))
        for subscription in subscriptions { await subscription.close() }
        _ = try await consumers.value
        clientTask.cancel()
        await broker.close()
        await dropSchema(schema, url: url)

        let seen = received.all
        let expected = Set(committed.all)
        #expect(expected.count > 200, "most transactions should have committed (\(expected.count) events did)")
        #expect(seen.count == Set(seen).count, "an event was delivered twice although every delivery was acked")
        #expect(
            Set(seen) == expected,
            "missing: \(expected.subtracting(seen).sorted().prefix(5)); unexpected: \(Set(seen).subtracting(expected).sorted().prefix(5))")
    }
}
