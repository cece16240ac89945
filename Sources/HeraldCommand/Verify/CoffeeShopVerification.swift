import Herald
import HeraldTesting

/// `herald verify coffee-shop`: the demo's choreographed shop (cashier, barista, bell, dead-letter
/// watcher — the very handlers `herald demo` runs) on a simulated clock and card terminal, with the
/// counter's orders as the scenario. The state compared between runs is what the bell told each
/// customer; the side effects are the charges and every event the handlers published.
enum CoffeeShopVerification {
    static let target = VerificationTarget(
        name: "coffee-shop",
        summary: "the herald demo coffee shop's handlers (cashier, barista, bell, dead-letter watcher)",
        verify: { size, profiles, seed in try await verifier.verify(try scenario(size), profiles: profiles, seed: seed) }
    )

    /// The shop's handlers, built afresh for each run.
    static var verifier: Verifier<[String: [String]]> {
        let topics =
            CoffeeTopic.all.map { TopicConfiguration(name: $0, partitions: 2) }
            + [TopicConfiguration(name: CoffeeShop.deadLetterTopic, partitions: 2, deduplicationWindow: .zero)]
        return Verifier(name: "coffee shop", topics: topics) { world in
            let tally = DemoTally()
            let shop = CoffeeShop(
                broker: world.broker, console: Console(quiet: true), tally: tally,
                terminal: SimulatedCardTerminal(dependency: world.dependency("card terminal")), clock: world.clock, now: world.continuousNow,
                logger: world.logger)
            return VerifiedHandlers(consumers: try shop.consumers()) { tally.snapshot.told }
        }
    }

    /// The demo's orders (three good ones, then the malformed one) a minute apart; or, with a size, that
    /// many orders (every 97th malformed) spread evenly over its span (default a day).
    static func scenario(_ size: ScenarioSize) throws -> Scenario {
        var scenario = Scenario(name: size.events.map { "\($0) orders" } ?? "the demo's orders", source: "/coffee/counter")
        guard let count = size.events else {
            for order in Counter.orders {
                scenario.publish(try Counter.event(for: order, id: "evt-\(order.orderID)"), to: CoffeeTopic.orders, after: .seconds(60))
            }
            scenario.publish(try Counter.malformedOrder(), to: CoffeeTopic.orders, after: .seconds(60))
            return scenario
        }
        let span = size.span ?? .seconds(86_400)
        let gap = span / max(1, count)
        let drinks = ["latte", "flat white", "espresso", "cortado", "mocha"]
        let customers = ["Ada", "Grace", "Linus", "Barbara", "Edsger", "Margaret"]
        for index in 0..<count {
            let orderID = "A-\(1001 + index)"
            if index % 97 == 96 {
                scenario.publish(try Counter.malformedOrder(orderID), to: CoffeeTopic.orders, after: gap)
                continue
            }
            let order = OrderPlaced(
                orderID: orderID, customer: customers[index % customers.count], drink: drinks[index % drinks.count],
                priceCents: 300 + (index % 5) * 30)
            scenario.publish(try Counter.event(for: order, id: "evt-\(order.orderID)"), to: CoffeeTopic.orders, after: gap)
        }
        return scenario
    }
}
