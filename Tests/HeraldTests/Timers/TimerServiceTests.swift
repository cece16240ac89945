import Foundation
import Herald
import HeraldTesting
import Testing

@Suite("Timer store conformance: in-memory")
struct InMemoryTimerStoreConformanceTests {
    @Test(arguments: TimerStoreConformance.cases)
    func conformance(_ testCase: TimerStoreConformance.Case) async throws {
        try await testCase.run(TimerStoreConformance.Environment { InMemoryTimerStore() })
    }
}

/// The timer service on a manual clock: events are published at their time, not before, once.
@Suite("Timers: the service")
struct TimerServiceTests {
    private static func event(_ id: String) throws -> Event {
        try Event(id: id, source: "/test/timers", type: "test.reminder.v1")
    }

    @Test("a scheduled event is published at its time, not before; cancelled and moved timers obey", .timeLimit(.minutes(1)))
    func firesAtItsTime() async throws {
        let clock = ManualClock()
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "reminders"))
        let service = TimerService(store: InMemoryTimerStore(), broker: broker, clock: clock)
        let start = service.now
        try await service.schedule(try Self.event("one"), on: "reminders", after: .seconds(10))
        try await service.schedule(try Self.event("two"), on: "reminders", after: .seconds(20))
        try await service.schedule(try Self.event("three"), on: "reminders", after: .seconds(30))
        #expect(try await service.fireDue() == 0, "nothing is due yet")

        clock.advance(by: .seconds(10))
        #expect(try await service.fireDue() == 1)
        #expect(try await service.cancel("three"))
        #expect(try await service.reschedule("two", to: start.addingTimeInterval(40)))
        clock.advance(by: .seconds(25))
        #expect(try await service.fireDue() == 0, "two was moved to +40 s and three cancelled")
        clock.advance(by: .seconds(5))
        #expect(try await service.fireDue() == 1)
        #expect(try await service.store.pendingCount() == 0)

        let subscription = try await broker.subscribe(to: "reminders", group: "check", options: SubscriptionOptions(startPosition: .earliest))
        var ids: [String] = []
        for try await delivery in subscription {
            ids.append(delivery.event.id)
            try await delivery.ack()
            if ids.count == 2 { break }
        }
        await subscription.close()
        #expect(ids == ["one", "two"])
    }

    @Test("running as a service, it wakes at the next due time on its clock", .timeLimit(.minutes(1)))
    func runsOnItsClock() async throws {
        let clock = ManualClock()
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "reminders"))
        let service = TimerService(store: InMemoryTimerStore(), broker: broker, clock: clock)
        let subscription = try await broker.subscribe(to: "reminders", group: "check", options: SubscriptionOptions(startPosition: .earliest))
        let running = Task { try await service.run() }
        try await service.schedule(try Self.event("later"), on: "reminders", after: .seconds(90))
        await clock.waitForSleepers()
        clock.advance(by: .seconds(90))
        var iterator = subscription.makeAsyncIterator()
        let delivery = try #require(try await iterator.next())
        #expect(delivery.event.id == "later")
        running.cancel()
        await subscription.close()
    }

    @Test("a topic that refuses its events does not hold up the others; its timers are retried later", .timeLimit(.minutes(1)))
    func failingTopicRetried() async throws {
        let clock = ManualClock()
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "reminders"))
        let service = TimerService(store: InMemoryTimerStore(), broker: broker, retryDelay: .seconds(5), clock: clock)
        try await service.schedule(try Self.event("lost"), on: "missing-topic", after: .seconds(1))
        try await service.schedule(try Self.event("fine"), on: "reminders", after: .seconds(2))
        clock.advance(by: .seconds(2))
        #expect(try await service.fireDue() == 1, "the event for the existing topic fired")
        #expect(try await service.store.nextDue() == service.now.addingTimeInterval(5), "the failing one waits the retry delay")
        try await broker.createTopic(TopicConfiguration(name: "missing-topic"))
        clock.advance(by: .seconds(5))
        #expect(try await service.fireDue() == 1, "retried once its topic exists")
    }
}
