import Foundation
import Herald
import HeraldNATS
import NIOCore
import Synchronization
import Testing

/// The NATS adapter across a server restart: its own `nats-server` is killed and started again on the
/// same port and store while a publisher and a consumer run.
@Suite("NATS broker: server restart", .enabled(if: TestEnvironment.runsOwnServerTests))
struct NATSBrokerFaultTests {
    /// What the two sides saw.
    struct Tally {
        var acknowledged: Set<Int> = []
        var publishRetries = 0
        var deliveries = 0
        var handled: [Int: Int] = [:]
        var failedAcks = 0
    }

    /// The tally, shared by the publisher and consumer tasks.
    final class SharedTally: Sendable {
        private let state = Mutex(Tally())

        func update<T: Sendable>(_ body: (inout Tally) -> T) -> T {
            state.withLock { body(&$0) }
        }
    }

    @Test("a nats-server restart while a publisher and a consumer run loses nothing acknowledged")
    func serverRestart() async throws {
        let binary = try TestEnvironment.requireNATSServer()
        let server = try await NATSTestServer.start(binary: binary)
        var options = NATSBrokerOptions(servers: [server.url], streamPrefix: "HERALD_FAULT")
        options.client.connectTimeout = .seconds(2)
        options.client.reconnect.baseDelay = .milliseconds(20)
        options.client.reconnect.maximumDelay = .milliseconds(250)
        options.requestTimeout = .seconds(2)
        options.pullExpiry = .seconds(1)
        let broker = try await NATSBroker.connect(options, logger: testLogger)
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 2))
        let subscription = try await broker.subscribe(to: "orders", group: "workers", options: SubscriptionOptions(prefetch: 64, ackDeadline: .seconds(2)))

        let total = 1_500
        let tally = SharedTally()
        let thirdPublished = AsyncSignal()
        let deadline = ContinuousClock.now + .seconds(90)
        try await withTimeout(.seconds(120), "the publisher and the consumer across a server restart") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for index in 0..<total {
                        let event = try Event(id: "order-\(index)", source: "/fault", type: "fault.order.v1", subject: "customer-\(index % 17)")
                        while true {
                            do {
                                _ = try await broker.publish(event, to: "orders")
                                tally.update { _ = $0.acknowledged.insert(index) }
                                break
                            } catch {
                                // Unacknowledged: publish the same event again (de-duplication by id makes it safe).
                                tally.update { $0.publishRetries += 1 }
                                guard ContinuousClock.now < deadline else { throw error }
                                try await Task.sleep(for: .milliseconds(50))
                            }
                        }
                        if index == total / 3 { thirdPublished.notify() }
                    }
                }
                group.addTask {
                    while let delivery = try await subscription.next() {
                        let index = Int(delivery.event.id.dropFirst("order-".count)) ?? -1
                        let done = tally.update { tally -> Bool in
                            tally.deliveries += 1
                            tally.handled[index, default: 0] += 1
                            return tally.handled.count == total
                        }
                        do {
                            try await delivery.ack()
                        } catch {
                            tally.update { $0.failedAcks += 1 }
                        }
                        if done { return }
                        guard ContinuousClock.now < deadline else { throw TestTimeout(what: "every event handled") }
                    }
                }
                group.addTask {
                    await thirdPublished.wait()
                    await server.kill()
                    // The outage: long enough for publishes, acks and pulls to fail and be retried.
                    try await Task.sleep(for: .milliseconds(700))
                    try await server.launch()
                }
                try await group.waitForAll()
            }
        }
        await subscription.close()
        let result = tally.update { $0 }
        let lost = result.acknowledged.subtracting(result.handled.keys)
        #expect(result.acknowledged.count == total, "every publish was acknowledged in the end")
        #expect(lost.isEmpty, "acknowledged but never handled: \(lost.sorted().prefix(10))")
        let redelivered = result.deliveries - result.handled.count
        print(
            "NATS restart: \(total) events, \(result.publishRetries) publish retries, \(result.deliveries) deliveries, "
                + "\(result.handled.count) distinct handled, \(redelivered) redelivered, \(result.failedAcks) acks failed during the outage"
        )
        await broker.close()
        await server.stop()
    }
}
