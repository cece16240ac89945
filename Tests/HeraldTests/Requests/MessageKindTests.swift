import Herald
import Testing

@Suite("Commands, events and queries")
struct MessageKindTests {
    @Test("each typed message says its kind")
    func kinds() {
        #expect(TestOrderPlaced.messageKind == .event)
        #expect(ChargeCard.messageKind == .command)
        #expect(OrderTotal.messageKind == .query)
    }

    @Test("two handlers for one command type in one consumer are refused at start")
    func twoHandlersInOneConsumer() async throws {
        let broker = try await requestBroker()
        var cashier = Consumer(broker: broker, configuration: .init(group: "cashier"), logger: quietLogger)
        cashier.handle(ChargeCard.self, from: "commands") { _, _ in }
        cashier.handle(ChargeCard.self, from: "payments") { _, _ in }
        await #expect(throws: ConsumerConfigurationError.duplicateCommandHandler(commandType: ChargeCard.cloudEventType, topics: ["commands", "payments"])) {
            try await cashier.run()
        }
    }

    @Test("events may have any number of handlers on different topics")
    func eventsHaveManyHandlers() throws {
        var audit = Consumer(broker: InMemoryBroker(), configuration: .init(group: "audit"), logger: quietLogger)
        audit.handle(TestOrderPlaced.self, from: "orders") { _, _ in }
        audit.handle(TestOrderPlaced.self, from: "orders-eu") { _, _ in }
        try Consumer.checkCommandHandlers([audit, audit])
    }

    @Test("two groups handling one command type from one topic are refused")
    func twoGroupsOneCommand() {
        let broker = InMemoryBroker()
        var cashier = Consumer(broker: broker, configuration: .init(group: "cashier"), logger: quietLogger)
        cashier.handle(ChargeCard.self, from: "commands") { _, _ in }
        var rogue = Consumer(broker: broker, configuration: .init(group: "rogue"), logger: quietLogger)
        rogue.handle(ChargeCard.self, from: "commands") { _, _ in }
        var otherMember = Consumer(broker: broker, configuration: .init(group: "cashier"), logger: quietLogger)
        otherMember.handle(ChargeCard.self, from: "commands") { _, _ in }
        #expect(throws: Never.self) { try Consumer.checkCommandHandlers([cashier, otherMember]) }
        #expect(
            throws: ConsumerConfigurationError.duplicateCommandHandler(
                commandType: ChargeCard.cloudEventType, topics: ["commands"], groups: ["cashier", "rogue"])
        ) {
            try Consumer.checkCommandHandlers([cashier, rogue])
        }
    }
}
