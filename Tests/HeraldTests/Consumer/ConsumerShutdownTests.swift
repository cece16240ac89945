import Herald
import HeraldTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Consumer shutdown")
struct ConsumerShutdownTests {
    @Test("graceful shutdown lets an in-flight handler finish and acknowledges it")
    func inFlightHandlerFinishes() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        let started = AsyncSignal()
        let release = AsyncSignal()
        let finished = Mutex(false)
        var consumer = Consumer(broker: broker, configuration: ConsumerConfiguration(group: "kitchen", shutdownGracePeriod: .seconds(10)), logger: quietLogger)
        consumer.handle(TestOrderPlaced.self, from: "orders") { order, _ in
            guard order.orderID == "A-1" else { return }
            started.notify()
            await release.wait()
            finished.withLock { $0 = true }
        }
        try await Publisher(broker: broker, source: "/test").publish(TestOrderPlaced(orderID: "A-1", item: "latte"), to: "orders")
        try await broker.publish(try Event(TestOrderPlaced(orderID: "A-2", item: "tea"), source: "/test"), to: "orders")

        let services = ServiceGroup(configuration: .init(services: [consumer], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            await started.wait()
            await services.triggerGracefulShutdown()
            release.notify()
            try await group.waitForAll()
        }
        #expect(finished.withLock { $0 })
        let lag = try await broker.lag(group: "kitchen", on: "orders")
        // The in-flight one was acknowledged; the second may or may not have started, but none is lost:
        // whatever was not acknowledged is still pending for the group, nothing is in flight.
        #expect(lag.partitions[0].inFlight == 0)
        #expect(lag.totalPending <= 1)
    }

    @Test("a handler still running after the grace period is cancelled and its event is not lost")
    func overdueHandlerIsReleased() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        let started = AsyncSignal()
        let clock = ManualClock()
        var stubborn = Consumer(
            broker: broker, configuration: ConsumerConfiguration(group: "kitchen", shutdownGracePeriod: .seconds(10)), clock: clock, logger: quietLogger)
        stubborn.handle(TestOrderPlaced.self, from: "orders") { _, _ in
            started.notify()
            try await Task.sleep(for: .seconds(3600))
        }
        try await broker.publish(try Event(TestOrderPlaced(orderID: "A-1", item: "latte"), source: "/test"), to: "orders")
        let services = ServiceGroup(configuration: .init(services: [stubborn], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            await started.wait()
            await services.triggerGracefulShutdown()
            // The grace period starts once the consumer stopped taking deliveries; pass it on the clock.
            await clock.waitForSleepers()
            clock.advance(by: .seconds(10))
            try await group.waitForAll()
        }
        let lag = try await broker.lag(group: "kitchen", on: "orders")
        #expect(lag.totalPending == 1, "the cancelled handler's event was not acknowledged")
        #expect(lag.partitions[0].inFlight == 0, "and it was released, not left in flight")

        // A new consumer of the group gets it at once, not after the 30-second ack deadline.
        let subscription = try await broker.subscribe(to: "orders", group: "kitchen")
        let delivery = try #require(try await subscription.next())
        #expect(delivery.attempt == 2)
        try await delivery.ack()
        await subscription.close()
    }
}
