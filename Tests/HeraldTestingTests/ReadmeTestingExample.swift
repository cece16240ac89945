import HeraldTesting
import Testing

@Test func chargesOnce() async throws {
    let harness = TestHarness()
    try await harness.createTopic("orders")
    var consumer = harness.consumer(group: "billing")
    consumer.handle(OrderPlaced.self, from: "orders") { order, context in
        // charge the card
    }
    try await harness.publish(OrderPlaced(orderID: "A-1", drink: "latte"), to: "orders")
    try await harness.run([consumer])
    #expect(try harness.handled(OrderPlaced.self, by: "billing").map(\.orderID) == ["A-1"])
    #expect(try await harness.deadLetters(topic: "orders", group: "billing").isEmpty)
}
