import Foundation
import Herald
import HeraldEventSourcing
import Logging
import ServiceLifecycle

/// The same coffee shop, orchestrated: an order saga tells the cashier to charge, then the barista to
/// make the drink (within a second), and tells the cashier to refund when the barista fails or does
/// not answer in time. The services know only the saga's commands; the saga knows them all.
struct OrchestratedShop {
    let broker: any Broker
    let console: Console
    let tally: DemoTally
    let logger: Logger

    /// The saga's source: the `source` of its commands.
    static let sagaSource = "/coffee/order-saga"
    /// The `source` of the saga's timeouts, published by its timers.
    static let timerSource = "/herald/saga/order"
    /// The order the barista fails, and the one it never answers.
    static let failedOrder = "O-2002"
    static let silentOrder = "O-2003"

    static let orders = [
        OrderPlaced(orderID: "O-2001", customer: "Ada", drink: "cortado", priceCents: 380),
        OrderPlaced(orderID: failedOrder, customer: "Grace", drink: "mocha", priceCents: 480),
        OrderPlaced(orderID: silentOrder, customer: "Linus", drink: "chai", priceCents: 350),
    ]

    /// The order saga: pay (undone by a refund), then brew within one second.
    static let saga = SagaDefinition(
        name: "order",
        startedBy: OrderPlaced.cloudEventType,
        steps: [
            SagaStep(
                "pay", completedBy: [PaymentCaptured.cloudEventType],
                command: { context in
                    let order = try startingOrder(context)
                    return SagaCommand(
                        topic: SagaTopic.cashier,
                        event: try Event(
                            ChargeCard(orderID: order.orderID, customer: order.customer, drink: order.drink, priceCents: order.priceCents),
                            id: context.commandID, source: sagaSource))
                },
                compensation: { context in
                    let order = try startingOrder(context)
                    return SagaCommand(
                        topic: SagaTopic.cashier,
                        event: try Event(
                            RefundCard(orderID: order.orderID, customer: order.customer, priceCents: order.priceCents), id: context.commandID,
                            source: sagaSource))
                }
            ),
            SagaStep(
                "brew", completedBy: [DrinkReady.cloudEventType], failedBy: [DrinkFailed.cloudEventType], timeout: .seconds(1),
                command: { context in
                    let order = try startingOrder(context)
                    return SagaCommand(
                        topic: SagaTopic.barista,
                        event: try Event(
                            MakeDrink(orderID: order.orderID, customer: order.customer, drink: order.drink), id: context.commandID, source: sagaSource))
                }
            ),
        ]
    )

    private static func startingOrder(_ context: SagaContext) throws -> OrderPlaced {
        try JSONDecoder().decode(OrderPlaced.self, from: Data((context.facts["start"] ?? "").utf8))
    }

    /// The groups the run waits on.
    static let groups = [
        GroupReference(topic: SagaTopic.cashier, group: "saga-cashier"),
        GroupReference(topic: SagaTopic.barista, group: "saga-barista"),
    ]

    /// Creates the topics, runs the three orders through the saga, and returns their correlation ids
    /// once every instance has finished (completed or compensated).
    func run() async throws -> [String] {
        for topic in SagaTopic.all {
            try await broker.createTopic(TopicConfiguration(name: topic, partitions: 1))
        }
        let timers = TimerService(store: InMemoryTimerStore(), broker: broker, logger: logger)
        let orchestrator = SagaOrchestrator(
            Self.saga, store: InMemoryEventStore(), broker: broker, timers: timers, listeningTo: [SagaTopic.orders, SagaTopic.events],
            timeoutTopic: SagaTopic.timeouts, logger: logger)
        let consumers = [cashier(), barista()]
        try Consumer.checkCommandHandlers(consumers)
        let services = ServiceGroup(
            configuration: .init(services: [timers, orchestrator] + consumers.map { $0 as any Service }, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group -> [String] in
            group.addTask { try await services.run() }
            var flows: [String] = []
            for order in Self.orders {
                let receipt = try await broker.publish(try Event(order, id: "evt-\(order.orderID)", source: "/coffee/counter"), to: SagaTopic.orders)
                console.say(
                    "📝 counter: \(order.customer) orders \(withArticle(order.drink)) (order \(order.orderID), offset \(receipt.offset)); the order saga takes it"
                )
                flows.append("evt-\(order.orderID)")
            }
            try await waitForSagas(orchestrator, flows)
            try await broker.waitUntilIdle(groups: Self.groups, timeout: .seconds(30))
            for flow in flows {
                guard let state = try await orchestrator.state(of: flow) else { continue }
                console.say("🧭 order saga \(flow): \(state.status.rawValue) — \(state.trace.joined(separator: "; "))")
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return flows
        }
    }

    /// Waits (checking every 20 ms, at most 30 s) until no instance of `flows` is running.
    private func waitForSagas(_ orchestrator: SagaOrchestrator, _ flows: [String]) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            var running = false
            for flow in flows where try await orchestrator.state(of: flow)?.status ?? .running == .running { running = true }
            if !running { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DemoError(description: "the order sagas did not finish within 30 s; run with --verbose to see why")
    }

    private func cashier() -> Consumer {
        var cashier = Consumer(broker: broker, configuration: ConsumerConfiguration(group: "saga-cashier", source: "/coffee/cashier"), logger: logger)
        cashier.handle(ChargeCard.self, from: SagaTopic.cashier) { [console, tally] charge, context in
            console.say("💳 cashier: charged \(charge.customer) \(formatPrice(charge.priceCents)) for order \(charge.orderID) (told by the saga)")
            try await context.publisher.publish(
                PaymentCaptured(orderID: charge.orderID, customer: charge.customer, drink: charge.drink, priceCents: charge.priceCents),
                to: SagaTopic.events)
            tally.add { $0.handled += 1 }
        }
        cashier.handle(RefundCard.self, from: SagaTopic.cashier) { [console, tally] refund, context in
            console.say("↩️  cashier: refunding \(refund.customer) \(formatPrice(refund.priceCents)) for order \(refund.orderID) (told by the saga)")
            try await context.publisher.publish(
                PaymentRefunded(orderID: refund.orderID, customer: refund.customer, priceCents: refund.priceCents), to: SagaTopic.events)
            tally.add { $0.handled += 1 }
        }
        return cashier
    }

    private func barista() -> Consumer {
        var barista = Consumer(broker: broker, configuration: ConsumerConfiguration(group: "saga-barista", source: "/coffee/barista"), logger: logger)
        barista.handle(MakeDrink.self, from: SagaTopic.barista) { [console, tally] make, context in
            tally.add { $0.handled += 1 }
            switch make.orderID {
            case Self.failedOrder:
                console.say("💥 barista: out of milk for order \(make.orderID); reporting it to the saga")
                try await context.publisher.publish(
                    DrinkFailed(orderID: make.orderID, customer: make.customer, priceCents: 0, reason: "out of milk"), to: SagaTopic.events)
            case Self.silentOrder:
                console.say("🫥 barista: the slip for order \(make.orderID) fell behind the machine; nobody answers the saga")
            default:
                console.say("☕ barista: making \(withArticle(make.drink)) for \(make.customer) (order \(make.orderID))")
                try await context.publisher.publish(DrinkReady(orderID: make.orderID, customer: make.customer, drink: make.drink), to: SagaTopic.events)
            }
        }
        return barista
    }
}
