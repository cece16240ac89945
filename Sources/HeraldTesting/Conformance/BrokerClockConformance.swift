import Herald
import Synchronization

/// Time-driven behaviour of a broker that takes a clock (the in-memory broker, the embedded log), checked
/// on a ``ManualClock``: ack deadlines, delayed redeliveries and de-duplication windows pass when the test
/// advances the clock, and not before; no case sleeps.
///
/// ```swift
/// @Test(arguments: BrokerClockConformance.cases)
/// func clock(_ testCase: BrokerClockConformance.Case) async throws {
///     try await testCase.run { clock in InMemoryBroker(clock: clock) }
/// }
/// ```
public enum BrokerClockConformance {
    /// One behaviour to check.
    public struct Case: Sendable, CustomStringConvertible {
        /// A short name, shown as the test's argument.
        public let name: String
        let body: @Sendable (ManualClock, any BrokerAdmin) async throws -> Void

        init(_ name: String, _ body: @escaping @Sendable (ManualClock, any BrokerAdmin) async throws -> Void) {
            self.name = name
            self.body = body
        }

        /// Runs the case on a broker `makeBroker` builds on a fresh manual clock, and closes it afterwards.
        ///
        /// - Throws: ``ConformanceFailure`` when the broker misbehaves, or its own errors.
        public func run(_ makeBroker: @Sendable (ManualClock) async throws -> any BrokerAdmin) async throws {
            let clock = ManualClock()
            let broker = try await makeBroker(clock)
            do {
                try await body(clock, broker)
                try await broker.close()
            } catch {
                try? await broker.close()
                throw error
            }
        }

        public var description: String { name }
    }

    /// Every case, in a stable order.
    public static let cases: [Case] = [
        .init("an unsettled delivery comes back when the clock passes its ack deadline, not before", ackDeadline),
        .init("a nack with a delay comes back when the clock passes the delay, not before", delayedNack),
        .init("inProgress restarts the ack deadline: the delivery comes back a deadline after the last call", inProgress),
        .init("the de-duplication window ends when the clock passes it", deduplicationWindow),
    ]

    /// The limit of any wait on the code under test, in real time.
    static let limit = Duration.seconds(10)

    /// `subscription.next()` in a task of its own, with a flag set once it returned.
    private final class PendingDelivery: Sendable {
        private let task: Task<Delivery?, any Error>

        init(_ subscription: Subscription) {
            let flag = ReturnFlag()
            self.task = Task {
                defer { flag.set() }
                return try await subscription.next()
            }
            self.flag = flag
        }

        private let flag: ReturnFlag

        var hasReturned: Bool { flag.isSet }

        func value() async throws -> Delivery {
            let task = self.task
            let delivery = try await within(BrokerClockConformance.limit, "a delivery after the clock was advanced") { try await task.value }
            guard let delivery else { throw ConformanceFailure("the subscription ended") }
            return delivery
        }
    }

    /// Set once, read from any task.
    private final class ReturnFlag: Sendable {
        // Atomic: set by the task that returned, read by the test.
        private let value = Atomic(false)

        func set() { value.store(true, ordering: .sequentiallyConsistent) }

        var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    }

    /// Advances `clock` by `early`, checks the pending delivery did not come, then by `rest` and returns it.
    private static func advance(
        _ clock: ManualClock, by early: Duration, then rest: Duration, _ pending: PendingDelivery, _ what: String
    ) async throws -> Delivery {
        try await within(limit, "the subscriber to wait on the clock") { await clock.waitForSleepers(1) }
        clock.advance(by: early)
        // Still waiting: it sleeps on the clock again (or never woke).
        try await within(limit, "the subscriber to wait on the clock again") { await clock.waitForSleepers(1) }
        try check(!pending.hasReturned, "\(what) came back before the clock passed it")
        clock.advance(by: rest)
        return try await pending.value()
    }

    static func ackDeadline(_ clock: ManualClock, _ broker: any BrokerAdmin) async throws {
        let topic = try await Conformance.makeTopic(broker, "clock-deadline")
        let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 1, ackDeadline: .seconds(30)))
        _ = try await broker.publish(try Conformance.event(1), to: topic.name)
        let first = try await within(limit, "the first delivery") { try await subscription.next() }
        try checkEqual(first?.attempt, 1, "first attempt")
        let pending = PendingDelivery(subscription)
        let again = try await advance(clock, by: .seconds(29), then: .seconds(1), pending, "the unsettled delivery")
        try checkEqual(again.attempt, 2, "attempt after the deadline")
        try checkEqual(again.offset, first?.offset, "redelivered offset")
        try await again.ack()
        await subscription.close()
    }

    static func delayedNack(_ clock: ManualClock, _ broker: any BrokerAdmin) async throws {
        let topic = try await Conformance.makeTopic(broker, "clock-nack")
        let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(ackDeadline: .seconds(600)))
        _ = try await broker.publish(try Conformance.event(1), to: topic.name)
        let first = try await within(limit, "the first delivery") { try await subscription.next() }
        try await first?.nack(retryAfter: .seconds(45))
        let pending = PendingDelivery(subscription)
        let again = try await advance(clock, by: .seconds(44), then: .seconds(1), pending, "the delayed redelivery")
        try checkEqual(again.attempt, 2, "attempt after the delay")
        try await again.ack()
        try await broker.waitUntilIdle(groups: [GroupReference(topic: topic.name, group: "g")], timeout: limit)
        await subscription.close()
    }

    static func inProgress(_ clock: ManualClock, _ broker: any BrokerAdmin) async throws {
        let topic = try await Conformance.makeTopic(broker, "clock-inprogress")
        let subscription = try await broker.subscribe(to: topic.name, group: "g", options: SubscriptionOptions(prefetch: 1, ackDeadline: .seconds(30)))
        _ = try await broker.publish(try Conformance.event(1), to: topic.name)
        let first = try await within(limit, "the first delivery") { try await subscription.next() }
        let pending = PendingDelivery(subscription)
        try await within(limit, "the subscriber to wait on the clock") { await clock.waitForSleepers(1) }
        clock.advance(by: .seconds(20))
        try await first?.inProgress()
        // 40 s after the delivery, past its first deadline: still held, as inProgress restarted it at 20 s.
        let again = try await advance(clock, by: .seconds(20), then: .seconds(10), pending, "the delivery kept in progress")
        try checkEqual(again.attempt, 2, "attempt once the restarted deadline passed")
        try await again.ack()
        await subscription.close()
    }

    static func deduplicationWindow(_ clock: ManualClock, _ broker: any BrokerAdmin) async throws {
        let topic = try await Conformance.makeTopic(broker, "clock-dedup") { $0.deduplicationWindow = .seconds(120) }
        let event = try Conformance.event(1)
        let original = try await broker.publish(event, to: topic.name)
        clock.advance(by: .seconds(119))
        let inside = try await broker.publish(event, to: topic.name)
        try check(inside.isDuplicate, "a copy inside the window is a duplicate")
        try checkEqual(inside.offset, original.offset, "the duplicate's receipt names the original")
        clock.advance(by: .seconds(2))
        let after = try await broker.publish(event, to: topic.name)
        try check(!after.isDuplicate, "a copy after the window is stored again")
    }
}
