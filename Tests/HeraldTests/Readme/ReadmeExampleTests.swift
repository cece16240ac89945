import Herald
import HeraldTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The README's examples, compiled and run, so the README stays true.
@Suite("README examples")
struct ReadmeExampleTests {
    struct OrderPlaced: TypedEvent {
        static let eventType = "coffee.order.placed"
        var orderID: String
        var drink: String
        var subject: String? { orderID }
    }

    @Test("publishing and handling a typed event")
    func publishAndHandle() async throws {
        let brewed = Mutex<[String]>([])
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 4))

        var kitchen = Consumer(
            broker: broker,
            configuration: ConsumerConfiguration(group: "kitchen"),
            middleware: [
                CorrelationMiddleware(),
                DeadLetterMiddleware(),
                try RetryMiddleware(policy: RetryPolicy(maximumAttempts: 3)),
                try TimeoutMiddleware(limit: .seconds(5)),
            ]
        )
        kitchen.handle(OrderPlaced.self, from: "orders") { order, context in
            context.logger.info("brewing \(order.drink)")
            brewed.withLock { $0.append(order.drink) }
        }

        let publisher = Publisher(broker: broker, source: "/coffee/counter")
        try await publisher.publish(OrderPlaced(orderID: "A-1", drink: "latte"), to: "orders")

        let services = ServiceGroup(configuration: .init(services: [kitchen], logger: Logger(label: "app")))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            try await broker.waitUntilIdle(groups: [GroupReference(topic: "orders", group: "kitchen")], timeout: .seconds(60))
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(brewed.withLock { $0 } == ["latte"])
    }

    @Test("testing handlers with the harness")
    func chargesOnce() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        var consumer = harness.consumer(group: "billing")
        consumer.handle(OrderPlaced.self, from: "orders") { _, _ in }
        try await harness.publish(OrderPlaced(orderID: "A-1", drink: "latte"), to: "orders")
        try await harness.run([consumer])
        #expect(harness.handled(by: "billing").count == 1)
        #expect(try await harness.deadLetters(topic: "orders", group: "billing").isEmpty)
    }
}
