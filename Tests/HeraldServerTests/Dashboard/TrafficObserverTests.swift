import Foundation
import Herald
import HeraldTesting
import Logging
import NIOCore
import Testing

@testable import HeraldServer

/// The dashboard's observer: what a sample and a read of new events learn from a broker — counts and
/// lag, who publishes what where and who consumes it, who reacted to what, where each flow's events
/// are, and which events were dead-lettered.
@Suite("Dashboard: traffic observer")
struct TrafficObserverTests {
    private static func event(_ id: String, _ type: String, from source: String, flow: String, cause: String? = nil) throws -> Event {
        var extensions = ["correlationid": flow]
        if let cause { extensions["causationid"] = cause }
        return try Event(id: id, source: source, type: type, subject: flow, extensions: extensions)
    }

    private static func observer(of broker: any BrokerAdmin, settings: TrafficObserver.Settings = TrafficObserver.Settings()) -> TrafficObserver {
        TrafficObserver(broker: broker, settings: settings, time: .system, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test("a flow of two services: publications, the consuming group, the reaction, the trace's positions, Mermaid and AsyncAPI")
    func learnsTheFlow() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        try await broker.createTopic(TopicConfiguration(name: "payments"))
        let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions())
        _ = try await broker.publish(try Self.event("o-1", "shop.order.placed.v1", from: "/shop", flow: "o-1"), to: "orders")
        _ = try await broker.publish(try Self.event("p-1", "bank.payment.captured.v1", from: "/bank", flow: "o-1", cause: "o-1"), to: "payments")
        let delivery = try #require(try await subscription.next())
        try await delivery.ack()
        await subscription.close()

        let observer = Self.observer(of: broker)
        try await observer.sample()
        try await observer.learn()
        let flow = await observer.flow
        #expect(flow.services == ["/bank", "/shop"])
        #expect(flow.types == ["bank.payment.captured.v1", "shop.order.placed.v1"])
        #expect(flow.publications[FlowMap.Publication(source: "/shop", type: "shop.order.placed.v1", topic: "orders")]?.count == 1)
        #expect(flow.consumptions == [FlowMap.Consumption(topic: "orders", group: "billing")])
        #expect(flow.reactions.keys.map { $0 } == [FlowMap.Reaction(cause: "shop.order.placed.v1", service: "/bank", reaction: "bank.payment.captured.v1")])
        let positions = await observer.correlations.positions(of: "o-1")
        #expect(positions.map(\.topic) == ["orders", "payments"])

        let mermaid = flow.mermaid
        #expect(mermaid.hasPrefix("flowchart LR\n"))
        #expect(mermaid.contains(#"(["/shop"])"#) && mermaid.contains(#"[/"shop.order.placed.v1"/]"#) && mermaid.contains(#"[("orders")]"#))
        #expect(mermaid.contains("-.->"), "the reaction is drawn: \(mermaid)")
        guard case .object(let document) = flow.asyncAPI, case .object(let channels) = document["channels"],
            case .object(let operations) = document["operations"]
        else {
            Issue.record("the AsyncAPI document is not an object with channels and operations")
            return
        }
        #expect(document["asyncapi"] == .string("3.0.0"))
        #expect(Set(channels.keys) == ["orders", "payments"])
        #expect(operations["billing_receives_orders"] != nil && operations["_shop_sends_orders"] != nil, "\(operations.keys.sorted())")

        // A second read learns nothing twice.
        try await observer.sample()
        try await observer.learn()
        #expect(await observer.observedEvents == 2)
        let restricted = flow.restricted { $0 == "orders" }
        #expect(restricted.topics == ["orders"] && restricted.reactions.isEmpty)
    }

    @Test("the overview counts events, lag, handled and dead letters per group; a dead letter is known by its event's position")
    func overviewAndDeadLetters() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        for number in 0..<5 {
            _ = try await broker.publish(try Self.event("o-\(number)", "shop.order.placed.v1", from: "/shop", flow: "o-\(number)"), to: "orders")
        }
        let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions(prefetch: 1, maximumDeliveries: 1))
        let observer = Self.observer(of: broker)
        try await observer.sample()
        let first = try #require(try await subscription.next())
        try await first.reject(reason: "card declined")
        let second = try #require(try await subscription.next())
        try await second.ack()
        await subscription.close()
        try await observer.sample()
        try await observer.learn()
        let overview = try await observer.currentOverview()
        let orders = try #require(overview.topics.first { $0.name == "orders" })
        #expect(orders.events == 5 && orders.published == 5 && !orders.isDeadLetterTopic)
        let billing = try #require(orders.groups.first)
        #expect(billing.name == "billing" && billing.handled == 2 && billing.pending == 3 && billing.deadLetters == 1)
        #expect(billing.criticalTimeSeconds != nil, "the commit moved between the samples")
        #expect(overview.topics.first { $0.name == billing.deadLetterTopic }?.isDeadLetterTopic == true)
        let sightings = await observer.deadLetters(at: CorrelationIndex.Position(topic: "orders", partition: first.partition, offset: first.offset))
        #expect(sightings.map(\.group) == ["billing"] && sightings.first?.reason.contains("card declined") == true, "\(sightings)")
    }

    @Test("reading is bounded per tick and skips ahead of a backlog larger than it keeps up with")
    func boundedReading() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders", partitions: 1))
        let events = try (0..<100).map { try Self.event("o-\($0)", "shop.order.placed.v1", from: "/shop", flow: "o-\($0)") }
        _ = try await broker.publish(events, to: "orders")
        var settings = TrafficObserver.Settings()
        settings.readPerTick = 30
        settings.backlog = 50
        let observer = Self.observer(of: broker, settings: settings)
        try await observer.sample()
        try await observer.learn()
        #expect(await observer.observedEvents == 30, "one tick reads at most readPerTick")
        #expect(await observer.correlations.positions(of: "o-49").isEmpty, "older than the backlog: skipped")
        #expect(await !observer.correlations.positions(of: "o-50").isEmpty)
        try await observer.learn()
        #expect(await observer.observedEvents == 50)
    }

    @Test("the correlation index forgets the oldest flow past its bound and caps the positions of one flow")
    func correlationIndexBounds() {
        var index = CorrelationIndex(maximumIDs: 2, maximumPositions: 2)
        for (flow, offset) in [("a", 0), ("a", 1), ("a", 2), ("b", 3), ("c", 4)] {
            index.record(flow, at: CorrelationIndex.Position(topic: "t", partition: 0, offset: Offset(Int64(offset))))
        }
        #expect(index.positions(of: "a").isEmpty)
        #expect(index.positions(of: "b").count == 1 && index.positions(of: "c").count == 1)
        #expect(index.recent(5) == ["c", "b"])
        var capped = CorrelationIndex(maximumIDs: 5, maximumPositions: 2)
        for offset in 0..<3 { capped.record("a", at: CorrelationIndex.Position(topic: "t", partition: 0, offset: Offset(Int64(offset)))) }
        #expect(capped.positions(of: "a").count == 2 && capped.truncated("a"))
    }

    @Test("the processing time of HTTP consumers: hand-out to settlement, the median of the last ones, per group")
    func processingTime() async throws {
        let broker = InMemoryBroker()
        try await broker.createTopic(TopicConfiguration(name: "orders"))
        for number in 0..<3 {
            _ = try await broker.publish(try Self.event("o-\(number)", "shop.order.placed.v1", from: "/shop", flow: "o-\(number)"), to: "orders")
        }
        let subscription = try await broker.subscribe(to: "orders", group: "billing", options: SubscriptionOptions(prefetch: 3))
        let deliveries = try await subscription.next(upTo: 3)
        #expect(deliveries.count == 3)
        let clock = ManualClock()
        let handling = HandlingTimes(time: TimeSource(clock))
        await handling.handedOut(deliveries)
        for (delivery, seconds) in zip(deliveries, [1, 4, 2]) {
            clock.advance(by: .seconds(seconds))
            try await delivery.ack()
            await handling.settled([delivery.token.wireValue], topic: "orders", group: "billing")
        }
        await subscription.close()
        // Settled after 1, 5 and 7 seconds: the median is 5.
        #expect(await handling.median(topic: "orders", group: "billing") == 5)
        #expect(await handling.median(topic: "orders", group: "other") == nil)
        let observer = TrafficObserver(
            broker: broker, time: .system, handling: handling, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await observer.sample()
        let group = try #require(try await observer.currentOverview().topics.first { $0.name == "orders" }?.groups.first)
        #expect(group.processingTimeSeconds == 5)
    }
}
