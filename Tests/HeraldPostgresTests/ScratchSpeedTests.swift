import Foundation
import HeraldPostgres
import HeraldTesting
import PostgresNIO
import Testing

@Suite("scratch speed", .enabled(if: ProcessInfo.processInfo.environment["HERALD_SCRATCH"] == "1"))
struct ScratchSpeedTests {
    @Test func speed() async throws {
        let url = try PostgresTestEnvironment.requirePrimary()
        let schema = PostgresTestEnvironment.uniqueSchema()
        let broker = try await PostgresBroker.connect(PostgresBrokerOptions(primary: try PostgresURL(url), schema: schema), logger: testLogger)
        try await broker.createTopic(TopicConfiguration(name: "v", partitions: 4))
        let subscription = try await broker.subscribe(to: "v", group: "g", options: SubscriptionOptions(prefetch: 256))
        let clock = ContinuousClock()
        var start = clock.now
        for batch in stride(from: 0, to: 20_000, by: 1_000) {
            let events = try (batch..<batch + 1_000).map { try Event(id: "e\($0)", source: "/s", type: "t", subject: "k\($0 % 64)") }
            _ = try await broker.publish(events, to: "v")
        }
        print("publish 20k: \(clock.now - start)")
        start = clock.now
        var count = 0
        var takeTime = Duration.zero
        var ackTime = Duration.zero
        while count < 20_000 {
            let t0 = clock.now
            guard let delivery = try await subscription.next() else { break }
            let t1 = clock.now
            try await delivery.ack()
            takeTime += t1 - t0
            ackTime += clock.now - t1
            count += 1
        }
        print("consume 20k: \(clock.now - start) take \(takeTime) ack \(ackTime)")
        await subscription.close()
        var configuration = PostgresClient.Configuration(host: "127.0.0.1", port: 15432, username: "herald", password: nil, database: "postgres", tls: .disable)
        configuration.options.maximumConnections = 2
        let client = PostgresClient(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            _ = try await client.query("SELECT 1")
            let t = clock.now
            for _ in 0..<1000 { _ = try await client.query("SELECT 1").collect() }
            print("select 1 x1000: \(clock.now - t)")
            let t2 = clock.now
            for i in 0..<1000 {
                _ = try await client.query(
                    "DELETE FROM \(unescaped: schema).deliveries WHERE topic = 'v' AND \"group\" = 'g' AND partition = 0 AND \"offset\" = \(Int64(i)) AND delivery_id = 5"
                ).collect()
            }
            print("delete x1000: \(clock.now - t2)")
            group.cancelAll()
        }
        await broker.close()
        await dropSchema(schema, url: url)
    }
}
