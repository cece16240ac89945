import Herald
import Logging

/// The demo's consumers: a cashier charges cards, a barista makes drinks, a bell tells the customer, and
/// an operator watches the cashier's dead letters. The same handlers run in `herald demo` and, on a
/// simulated clock and card terminal, under `herald verify`.
struct CoffeeShop {
    let broker: any Broker
    let console: Console
    let tally: DemoTally
    let terminal: any CardTerminal
    /// What retries, redelivery delays and timeouts wait on.
    let clock: any Clock<Duration>
    /// The idempotency stores' time (their time-to-live passes on it).
    let now: @Sendable () -> ContinuousClock.Instant
    let logger: Logger

    init(
        broker: any Broker, console: Console, tally: DemoTally, terminal: any CardTerminal, clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }, logger: Logger
    ) {
        self.broker = broker
        self.console = console
        self.tally = tally
        self.terminal = terminal
        self.clock = clock
        self.now = now
        self.logger = logger
    }

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
        [try cashier(), try barista(), try bell(), deadLetterWatcher()]
    }

    /// How long each consumer remembers what it handled: copies arrive days late (a producer's retry, a
    /// replay), well after the broker's two-minute de-duplication window.
    static let rememberHandled: Duration = .seconds(7 * 86_400)

    /// A consumer of `group` with the standard failure policy on the shop's clock.
    private func consumer(_ group: String, middleware: [any Middleware] = []) -> Consumer {
        Consumer(
            broker: broker, configuration: configuration(group), failurePolicy: FailurePolicy(clock: clock), middleware: middleware, clock: clock,
            logger: logger)
    }

    /// Stops a delivery handled before (the same event again, or a new event with the same idempotency key).
    private func stopsDuplicates(_ group: String) throws -> IdempotencyMiddleware {
        try IdempotencyMiddleware(
            store: try InMemoryIdempotencyStore(now: now), ttl: Self.rememberHandled,
            onDuplicate: { [console, tally] event in
                tally.add { $0.duplicatesStopped += 1 }
                let key = event.extensionValue("idempotencykey") ?? event.id
                console.say(
                    "🛑 \(group): \(event.type) for order \(event.subject ?? event.id) already handled; duplicate event \(event.id) stopped by idempotency (key \(key))"
                )
            })
    }

    private func configuration(_ group: String) -> ConsumerConfiguration {
        ConsumerConfiguration(group: group, source: "/coffee/\(group)")
    }

    /// Charges each order once, retrying the flaky card terminal in process, stopping re-sent orders.
    private func cashier() throws -> Consumer {
        // Retries of the flaky terminal in process; then redeliveries 50 ms, then seconds growing to ten
        // minutes apart, 20 deliveries in all: enough to ride out an hour without the terminal. Then dead letters.
        let failurePolicy = FailurePolicy(
            retry: RetryPolicy(maximumAttempts: 4, initialDelay: .milliseconds(40), maximumDelay: .milliseconds(400)),
            redeliveryDelay: { attempt in attempt == 1 ? .milliseconds(50) : .seconds(min(600, 1 << min(attempt, 10))) },
            clock: clock
        )
        // The terminal may take most of a minute to answer: the timeout outlasts that, the ack deadline the timeout.
        let middleware: [any Middleware] = [try stopsDuplicates("cashier"), try TimeoutMiddleware(limit: .seconds(60), clock: clock)]
        var settings = configuration("cashier")
        settings.subscription = SubscriptionOptions(ackDeadline: .seconds(90), maximumDeliveries: 20)
        var cashier = Consumer(
            broker: broker, configuration: settings, failurePolicy: failurePolicy, middleware: middleware, clock: clock, logger: logger
        )
        cashier.handle(OrderPlaced.self, from: CoffeeTopic.orders) { [console, tally, terminal] order, context in
            do {
                // The order is the terminal's idempotency key: a retry after a lost answer charges once.
                let attempt = try await terminal.charge(orderID: order.orderID, cents: order.priceCents, idempotencyKey: "order-\(order.orderID)")
                console.say("💳 cashier: charged \(order.customer) \(formatPrice(order.priceCents)) for order \(order.orderID) (attempt \(attempt))")
            } catch let timeout as PaymentGateway.Timeout {
                tally.add { $0.retried += 1 }
                console.say("⟳  cashier: \(timeout); retrying with backoff")
                throw timeout
            }
            // Ids that follow from the order: a handler run again publishes the same event again, which the
            // broker (within its window) and the next consumer (after it) recognise.
            try await context.publisher.publish(
                PaymentCaptured(orderID: order.orderID, customer: order.customer, drink: order.drink, priceCents: order.priceCents),
                to: CoffeeTopic.payments, id: "captured-\(order.orderID)"
            )
            tally.add { $0.handled += 1 }
        }
        // Choreography: nobody tells the cashier to refund; it reacts to the barista's event.
        cashier.handle(DrinkFailed.self, from: CoffeeTopic.problems) { [console, tally] failed, context in
            console.say("↩️  cashier: refunding \(failed.customer) \(formatPrice(failed.priceCents)) for order \(failed.orderID) (\(failed.reason))")
            try await context.publisher.publish(
                PaymentRefunded(orderID: failed.orderID, customer: failed.customer, priceCents: failed.priceCents), to: CoffeeTopic.refunds,
                id: "refunded-\(failed.orderID)")
            tally.add { $0.handled += 1 }
        }
        return cashier
    }

    private func barista() throws -> Consumer {
        var barista = consumer("barista", middleware: [try stopsDuplicates("barista")])
        barista.handle(PaymentCaptured.self, from: CoffeeTopic.payments) { [console, tally] payment, context in
            if payment.orderID == CoffeeShop.jammedOrder {
                console.say("💥 barista: the espresso machine jammed on order \(payment.orderID); telling whoever listens")
                try await context.publisher.publish(
                    DrinkFailed(orderID: payment.orderID, customer: payment.customer, priceCents: payment.priceCents, reason: "espresso machine jammed"),
                    to: CoffeeTopic.problems, id: "failed-\(payment.orderID)")
                tally.add { $0.handled += 1 }
                return
            }
            console.say("☕ barista: making \(withArticle(payment.drink)) for \(payment.customer) (order \(payment.orderID))")
            try await context.publisher.publish(
                DrinkReady(orderID: payment.orderID, customer: payment.customer, drink: payment.drink),
                to: CoffeeTopic.ready, id: "ready-\(payment.orderID)"
            )
            tally.add { $0.handled += 1 }
        }
        return barista
    }

    private func bell() throws -> Consumer {
        var bell = consumer("bell", middleware: [try stopsDuplicates("bell")])
        bell.handle(DrinkReady.self, from: CoffeeTopic.ready) { [console, tally] ready, context in
            let flow = context.event.extensionValue("correlationid") ?? "?"
            console.say("🔔 bell: \(ready.customer), your \(ready.drink) is ready! (order \(ready.orderID), correlation id \(flow))")
            tally.add {
                $0.handled += 1
                $0.told[ready.orderID, default: []].append("\(ready.drink) ready")
            }
        }
        bell.handle(PaymentRefunded.self, from: CoffeeTopic.refunds) { [console, tally] refund, _ in
            console.say("🔔 bell: sorry \(refund.customer), no drink today; \(formatPrice(refund.priceCents)) refunded (order \(refund.orderID))")
            tally.add {
                $0.handled += 1
                $0.told[refund.orderID, default: []].append("\(formatPrice(refund.priceCents)) refunded")
            }
        }
        return bell
    }

    private func deadLetterWatcher() -> Consumer {
        var watcher = consumer("operator")
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
