import Herald
import HeraldTesting
import Testing

/// The orders charged, in the order they were charged.
actor Charges {
    var orders: [String] = []
    func add(_ order: String) { orders.append(order) }
}

@Test func billingSurvivesTheChecklist() async throws {
    var scenario = Scenario(name: "a morning's orders")
    for (id, drink) in [("A-1", "latte"), ("A-2", "mocha"), ("A-3", "espresso")] {
        try scenario.publish(OrderPlaced(orderID: id, drink: drink), to: "orders", after: .seconds(30))
    }
    let report = try await verify(
        handlers: { world in
            let charges = Charges()
            let terminal = world.dependency("card terminal")
            let idempotency = try IdempotencyMiddleware(store: try InMemoryIdempotencyStore(now: world.continuousNow))
            // Redeliveries up to a minute apart, 100 of them: enough to ride out an hour's outage.
            let patient = SubscriptionOptions(maximumDeliveries: 100)
            var billing = world.consumer(group: "billing", subscription: patient, middleware: [idempotency])
            billing.handle(OrderPlaced.self, from: "orders") { order, _ in
                // The order id goes to the terminal as well: a retry after a lost answer charges once.
                try await terminal.perform("charge \(order.orderID)", key: order.orderID, idempotencyKey: order.orderID) {
                    await charges.add(order.orderID)
                }
            }
            return VerifiedHandlers(consumers: [billing]) { await charges.orders.sorted() }
        },
        scenario: scenario,
        invariant: Invariant("each order charged once") { _, outcome in
            Dictionary(grouping: outcome.state, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted().map { "\($0) charged twice" }
        }
    )
    #expect(report.passed, "\(report.text)")
}
