import Herald
import Logging

/// The demo's consumers: a cashier charges cards, a barista makes drinks, a bell tells the customer, and
/// an operator watches the cashier's dead letters.
struct CoffeeShop {
    let broker: any Broker
    let console: Console
    let tally: DemoTally
    let gateway: PaymentGateway
    let logger: Logger

    /// The cashier's dead-letter topic.
    static let deadLetterTopic = SubscriptionOptions().deadLetterTopic(for: CoffeeTopic.orders, group: "cashier")

    /// The order whose drink the barista cannot make: the choreographed refund.
    static let jammedOrder = "A-1003"

    /// The groups the demo waits on.
    static let groups = [
        GroupReference(topic: CoffeeTopic.orders, group: "cashier"),
        GroupReference(topic: CoffeeTopic.payments, group: "barista"),
        GroupReference(topic: CoffeeTopic.ready, group: "bell"),
        GroupReference(topic: CoffeeTopic.problems, group: "cashier"),
        GroupReference(topic: CoffeeTopic.refunds, group: "bell"),
        GroupReference(topic: deadLetterTopic, group: "operator"),
    ]

    func consumers() throws -> [Consumer] {
        [try cashier(), barista(), bell(), deadLetterWatcher()]
    }

    private func configuration(_ group: String) -> ConsumerConfiguration {
        ConsumerConfiguration(group: group, source: "/coffee/\(group)")
    }

    /// Charges each order once, retrying the flaky card terminal in process, stopping re-sent orders.
    private func cashier() throws -> Consumer {
        // Retries of the flaky terminal in process, then redelivery after 50 ms, then dead letters.
        let failurePolicy = FailurePolicy(
            retry: RetryPolicy(maximumAttempts: 4, initialDelay: .milliseconds(40), maximumDelay: .milliseconds(400)),
            redeliveryDelay: { _ in .milliseconds(50) }
        )
        let middleware: [any Middleware] = [
            try IdempotencyMiddleware(
                store: try InMemoryIdempotencyStore(),
                onDuplicate: { [console, tally] event in
                    tally.add { $0.duplicatesStopped += 1 }
                    let key = event.extensionValue("idempotencykey") ?? event.id
                    console.say(
                        "🛑 cashier: order \(event.subject ?? event.id) was already charged; duplicate event \(event.id) stopped by idempotency (key \(key))")
                }
            ),
            try TimeoutMiddleware(limit: .seconds(2)),
        ]
        var cashier = Consumer(
            broker: broker, configuration: configuration("cashier"), failurePolicy: failurePolicy, middleware: middleware, logger: logger
        )
        cashier.handle(OrderPlaced.self, from: CoffeeTopic.orders) { [console, tally, gateway] order, context in
            do {
                let attempt = try gateway.charge(orderID: order.orderID, cents: order.priceCents)
                console.say("💳 cashier: charged \(order.customer) \(formatPrice(order.priceCents)) for order \(order.orderID) (attempt \(attempt))")
            } catch let timeout as PaymentGateway.Timeout {
                tally.add { $0.retried += 1 }
                console.say("⟳  cashier: \(timeout); retrying with backoff")
                throw timeout
            }
            try await context.publisher.publish(
                PaymentCaptured(orderID: order.orderID, customer: order.customer, drink: order.drink, priceCents: order.priceCents),
                to: CoffeeTopic.payments
            )
            tally.add { $0.handled += 1 }
        }
        // Choreography: nobody tells the cashier to refund; it reacts to the barista's event.
        cashier.handle(DrinkFailed.self, from: CoffeeTopic.problems) { [console, tally] failed, context in
            console.say("↩️  cashier: refunding \(failed.customer) \(formatPrice(failed.priceCents)) for order \(failed.orderID) (\(failed.reason))")
            try await context.publisher.publish(
                PaymentRefunded(orderID: failed.orderID, customer: failed.customer, priceCents: failed.priceCents), to: CoffeeTopic.refunds)
            tally.add { $0.handled += 1 }
        }
        return cashier
    }

    private func barista() -> Consumer {
        var barista = Consumer(broker: broker, configuration: configuration("barista"), logger: logger)
        barista.handle(PaymentCaptured.self, from: CoffeeTopic.payments) { [console, tally] payment, context in
            if payment.orderID == CoffeeShop.jammedOrder {
                console.say("💥 barista: the espresso machine jammed on order \(payment.orderID); telling whoever listens")
                try await context.publisher.publish(
                    DrinkFailed(orderID: payment.orderID, customer: payment.customer, priceCents: payment.priceCents, reason: "espresso machine jammed"),
                    to: CoffeeTopic.problems)
                tally.add { $0.handled += 1 }
                return
            }
            console.say("☕ barista: making \(withArticle(payment.drink)) for \(payment.customer) (order \(payment.orderID))")
            try await context.publisher.publish(
                DrinkReady(orderID: payment.orderID, customer: payment.customer, drink: payment.drink),
                to: CoffeeTopic.ready
            )
            tally.add { $0.handled += 1 }
        }
        return barista
    }

    private func bell() -> Consumer {
        var bell = Consumer(broker: broker, configuration: configuration("bell"), logger: logger)
        bell.handle(DrinkReady.self, from: CoffeeTopic.ready) { [console, tally] ready, context in
            let flow = context.event.extensionValue("correlationid") ?? "?"
            console.say("🔔 bell: \(ready.customer), your \(ready.drink) is ready! (order \(ready.orderID), correlation id \(flow))")
            tally.add { $0.handled += 1 }
        }
        bell.handle(PaymentRefunded.self, from: CoffeeTopic.refunds) { [console, tally] refund, _ in
            console.say("🔔 bell: sorry \(refund.customer), no drink today; \(formatPrice(refund.priceCents)) refunded (order \(refund.orderID))")
            tally.add { $0.handled += 1 }
        }
        return bell
    }

    private func deadLetterWatcher() -> Consumer {
        var watcher = Consumer(broker: broker, configuration: configuration("operator"), logger: logger)
        watcher.handleAnyEvent(from: Self.deadLetterTopic) { [console, tally] context in
            tally.add { $0.deadLettered += 1 }
            guard let letter = DeadLetter(context.event) else {
                console.say("☠  operator: event \(context.event.id) in dead letters without a recorded failure")
                return
            }
            console.say(
                "☠  operator: event \(letter.event.id) dead-lettered by \(letter.group) after \(letter.attempts) attempt(s) — \(letter.failure.errorType): \(letter.failure.message) [from \(letter.originTopic)/\(letter.originPartition)@\(letter.originOffset)]"
            )
        }
        return watcher
    }
}

/// `latte` → `a latte`, `espresso` → `an espresso`.
func withArticle(_ noun: String) -> String {
    (noun.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + noun
}

/// `450` → `$4.50`.
func formatPrice(_ cents: Int) -> String {
    "$\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
}
