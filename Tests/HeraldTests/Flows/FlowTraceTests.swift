import Herald
import HeraldTesting
import Testing

@Suite("Flow traces")
struct FlowTraceTests {
    @Test("a choreographed flow is rebuilt from correlation and causation ids, with who reacted to whom")
    func choreography() async throws {
        let broker = InMemoryBroker(logger: quietLogger)
        for topic in ["orders", "payments", "receipts"] { try await broker.createTopic(TopicConfiguration(name: topic)) }
        var cashier = Consumer(broker: broker, configuration: .init(group: "cashier", source: "/shop/cashier"), logger: quietLogger)
        cashier.handle(TestOrderPlaced.self, from: "orders") { order, context in
            try await context.publisher.publish(TestPaymentRequested(orderID: order.orderID), to: "payments")
        }
        var printer = Consumer(broker: broker, configuration: .init(group: "printer", source: "/shop/printer"), logger: quietLogger)
        printer.handle(TestPaymentRequested.self, from: "payments") { payment, context in
            try await context.publisher.publish(TestReceiptSent(orderID: payment.orderID), to: "receipts")
            try await context.publisher.publish(TestReceiptSent(orderID: payment.orderID + "-copy"), to: "receipts")
        }
        try await broker.publish(try Event(TestOrderPlaced(orderID: "A-1", item: "tea"), id: "order-1", source: "/shop/till"), to: "orders")
        try await broker.publish(try Event(TestOrderPlaced(orderID: "B-1", item: "tea"), id: "order-2", source: "/shop/till"), to: "orders")
        try await running([cashier, printer]) {
            try await broker.waitUntilIdle(
                groups: [GroupReference(topic: "orders", group: "cashier"), GroupReference(topic: "payments", group: "printer")], timeout: .seconds(60))
        }
        let trace = try await FlowTrace.collect(from: broker, topics: ["orders", "payments", "receipts"], correlationID: "order-1")
        #expect(trace.events.count == 4)
        #expect(trace.roots.map(\.event.id) == ["order-1"])
        let lines = trace.rendered().split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("test.order.placed.v1 [A-1] from /shop/till on orders@0"))
        #expect(lines[1].hasPrefix("└─ test.payment.requested.v1 [A-1] from /shop/cashier"))
        #expect(lines[2].hasPrefix("   ├─ test.receipt.sent.v1 [A-1"))
        #expect(lines[3].hasPrefix("   └─ test.receipt.sent.v1 [A-1"))
        #expect(
            trace.acquaintances == [
                ServiceAcquaintance(service: "/shop/cashier", knows: ["/shop/till"]),
                ServiceAcquaintance(service: "/shop/printer", knows: ["/shop/cashier"]),
            ])
    }

    @Test("an event whose cause is not among the flow's events is a root of its own")
    func orphan() throws {
        let start = try Event(id: "start", source: "/a", type: "t.v1")
        let orphan = try Event(id: "x", source: "/b", type: "t.v1", extensions: ["correlationid": "start", "causationid": "missing"])
        let other = try Event(id: "y", source: "/b", type: "t.v1", extensions: ["correlationid": "another"])
        let trace = FlowTrace(
            correlationID: "start",
            candidates: [start, orphan, other].enumerated().map {
                TracedEvent(topic: "t", partition: Partition(0), offset: Offset(Int64($0.offset)), event: $0.element)
            })
        #expect(trace.events.map(\.event.id) == ["start", "x"])
        #expect(Set(trace.roots.map(\.event.id)) == ["start", "x"])
        #expect(trace.acquaintances.isEmpty)
    }
}
