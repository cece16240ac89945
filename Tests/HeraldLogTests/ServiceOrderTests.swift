import Foundation
import Herald
import HeraldLog
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Embedded log: shutdown in any service order")
struct ServiceOrderTests {
    private struct Work: TypedEvent {
        static let eventType = "test.work"
        var number: Int
    }

    /// Runs a consumer and the log in a service group in `order`, shuts the group down while handlers run,
    /// and returns the numbers whose handlers finished and the numbers delivered again after reopening.
    private func run(consumerFirst: Bool, directory: String) async throws -> (finished: Set<Int>, redelivered: Set<Int>) {
        let log = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
        try await log.createTopic(TopicConfiguration(name: "work"))
        let publisher = Publisher(broker: log, source: "/service-order")
        for number in 0..<16 { try await publisher.publish(Work(number: number), to: "work") }

        let finished = Mutex(Set<Int>())
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        var consumer = Consumer(broker: log, configuration: ConsumerConfiguration(group: "workers", concurrency: 4))
        consumer.handle(Work.self, from: "work") { work, _ in
            startedContinuation.yield()
            // The handler's own work: long enough that the shutdown arrives while some are running.
            try? await Task.sleep(for: .milliseconds(50))
            finished.withLock { _ = $0.insert(work.number) }
        }
        let services: [any Service] = consumerFirst ? [consumer, log] : [log, consumer]
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }

        let reopened = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: directory))
        let pending = try await reopened.lag(group: "workers", on: "work").totalPending
        let subscription = try await reopened.subscribe(to: "work", group: "workers")
        var redelivered = Set<Int>()
        for _ in 0..<pending {
            guard let delivery = try await subscription.next() else { break }
            redelivered.insert(try delivery.event.decode(as: Work.self).number)
            try await delivery.ack()
        }
        await subscription.close()
        try await reopened.close()
        return (finished.withLock { $0 }, redelivered)
    }

    @Test("with the consumer listed before the log, every event whose handler finished stays acknowledged", arguments: [true, false])
    func noAcknowledgementLost(consumerFirst: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let (finished, redelivered) = try await run(consumerFirst: consumerFirst, directory: directory)
            #expect(!finished.isEmpty)
            #expect(finished.isDisjoint(with: redelivered), "handled, yet delivered again: \(finished.intersection(redelivered).sorted())")
            #expect(finished.union(redelivered) == Set(0..<16), "every event was either handled or is still there")
        }
    }
}
