import Herald
import HeraldEventSourcing
import Logging
import ServiceLifecycle
import Testing

/// Orchestration: pay, then brew; when brewing fails the payment is refunded.
let orderSaga = SagaDefinition(
    name: "order",
    startedBy: "shop.order.placed.v1",
    steps: [
        SagaStep(
            "pay", completedBy: ["shop.paid.v1"],
            command: { SagaCommand(topic: "commands", event: try Event(id: $0.commandID, source: "/saga", type: "shop.charge.v1")) },
            compensation: { SagaCommand(topic: "commands", event: try Event(id: $0.commandID, source: "/saga", type: "shop.refund.v1")) }),
        SagaStep(
            "brew", completedBy: ["shop.brewed.v1"], failedBy: ["shop.brew.failed.v1"], timeout: .seconds(90),
            command: { SagaCommand(topic: "commands", event: try Event(id: $0.commandID, source: "/saga", type: "shop.brew.v1")) }),
    ])

@Test("README: an orchestrated saga refunds the payment when brewing fails")
func sagaCompensates() async throws {
    let broker = InMemoryBroker()
    try await broker.createTopic(TopicConfiguration(name: "commands"))
    let timers = TimerService(store: InMemoryTimerStore(), broker: broker)
    let saga = SagaOrchestrator(orderSaga, store: InMemoryEventStore(), broker: broker, timers: timers, listeningTo: ["events"])

    // An instance is keyed by correlation id: the order's id, which every answer carries.
    func answer(_ type: String) throws -> Event {
        try Event(id: "\(type)-7", source: "/shop", type: type, extensions: ["correlationid": "order-7"])
    }
    try await saga.handle(try Event(id: "order-7", source: "/till", type: "shop.order.placed.v1"))
    try await saga.handle(try answer("shop.paid.v1"))
    try await saga.handle(try answer("shop.paid.v1"))  // a duplicate changes nothing
    let state = try await saga.handle(try answer("shop.brew.failed.v1"))
    #expect(state?.status == .compensated)
    let sent = try await broker.read(topic: "commands", partition: Partition(0), from: Offset(0), limit: 10)
    #expect(sent.map(\.event.type) == ["shop.charge.v1", "shop.brew.v1", "shop.refund.v1"])
}

struct ChargeCard: TypedCommand {
    static let eventType = "shop.card.charge"
    var cents: Int
}

struct CardCharged: TypedEvent {
    static let eventType = "shop.card.charged"
    var cents: Int
}

@Test("README: a request awaits its completion")
func requestCompletes() async throws {
    let broker = InMemoryBroker()
    for topic in ["payments", "replies"] { try await broker.createTopic(TopicConfiguration(name: topic)) }
    // A command has one handler; it may refuse it by throwing CommandRejection.
    var cashier = Consumer(broker: broker, configuration: .init(group: "cashier"))
    cashier.handle(ChargeCard.self, from: "payments") { charge, context in
        guard charge.cents > 0 else { throw CommandRejection("nothing to charge") }
        try await context.reply(CardCharged(cents: charge.cents))
    }
    let replies = RequestReplies(broker: broker, topic: "replies")
    let till = Publisher(broker: broker, source: "/till", replies: replies)
    let services = ServiceGroup(services: [replies, cashier], logger: .init(label: "shop"))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        // A timeout throws RequestError.timedOut and leaves the command in flight.
        let charged = try await till.request(ChargeCard(cents: 350), to: "payments", awaiting: CardCharged.self, timeout: .seconds(30))
        #expect(charged.cents == 350)
        await #expect(throws: RequestError.self) {
            try await till.request(ChargeCard(cents: 0), to: "payments", awaiting: CardCharged.self, timeout: .seconds(30))
        }
        await services.triggerGracefulShutdown()
    }
}
