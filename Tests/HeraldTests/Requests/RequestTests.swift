import Herald
import HeraldTesting
import Synchronization
import Testing

@Suite("Request → completion")
struct RequestTests {
    @Test("a request returns the completion its handler replies with")
    func replyCompletesRequest() async throws {
        let broker = try await requestBroker()
        let replies = RequestReplies(broker: broker, topic: "replies", logger: quietLogger)
        var cashier = Consumer(broker: broker, configuration: .init(group: "cashier"), logger: quietLogger)
        cashier.handle(ChargeCard.self, from: "commands") { command, context in
            try await context.reply(CardCharged(orderID: command.orderID))
        }
        let publisher = Publisher(broker: broker, source: "/test/till", replies: replies)
        let charged = try await running([replies, cashier]) {
            try await publisher.request(ChargeCard(orderID: "A-1", cents: 450), to: "commands", awaiting: CardCharged.self, timeout: .seconds(30))
        }
        #expect(charged == CardCharged(orderID: "A-1"))
    }

    @Test("a completion published further along the flow the request started is matched by correlation id")
    func correlatedCompletion() async throws {
        let broker = try await requestBroker()
        let replies = RequestReplies(broker: broker, topic: "replies", alsoListeningTo: ["payments"], logger: quietLogger)
        var cashier = Consumer(broker: broker, configuration: .init(group: "cashier"), logger: quietLogger)
        cashier.handle(ChargeCard.self, from: "commands") { command, context in
            // The awaited type from another flow, and another type from this flow: neither is the completion.
            try await context.publisher.publish(
                try Event(CardCharged(orderID: "other"), source: "/elsewhere", extensions: ["correlationid": "another-flow"]), to: "payments")
            try await context.publisher.publish(TestReceiptSent(orderID: command.orderID), to: "payments")
            try await context.publisher.publish(CardCharged(orderID: command.orderID), to: "payments")
        }
        let publisher = Publisher(broker: broker, source: "/test/till", replies: replies)
        let charged = try await running([replies, cashier]) {
            try await publisher.request(ChargeCard(orderID: "A-2", cents: 300), to: "commands", awaiting: CardCharged.self, timeout: .seconds(30))
        }
        #expect(charged == CardCharged(orderID: "A-2"))
        let stored = try await broker.read(topic: "payments", partition: Partition(0), from: Offset(0), limit: 10)
        #expect(stored.count == 3)
    }

    @Test("a rejected command makes the request throw the rejection, and the command is acknowledged")
    func rejection() async throws {
        let broker = try await requestBroker()
        let replies = RequestReplies(broker: broker, topic: "replies", logger: quietLogger)
        var cashier = Consumer(broker: broker, configuration: .init(group: "cashier"), logger: quietLogger)
        cashier.handle(ChargeCard.self, from: "commands") { command, _ in
            throw CommandRejection("card blocked for order \(command.orderID)")
        }
        let publisher = Publisher(broker: broker, source: "/test/till", replies: replies)
        let outcome = try await running([replies, cashier]) { () -> RequestError? in
            do {
                _ = try await publisher.request(
                    ChargeCard(orderID: "A-3", cents: 100), to: "commands", awaiting: CardCharged.self, id: "req-3", timeout: .seconds(30))
                return nil
            } catch let error as RequestError {
                return error
            }
        }
        #expect(outcome == .rejected(requestID: "req-3", reason: "card blocked for order A-3"))
        try await broker.waitUntilIdle(groups: [GroupReference(topic: "commands", group: "cashier")], timeout: .seconds(60))
        let lag = try await broker.lag(group: "cashier", on: "commands")
        #expect(lag.totalPending == 0)
        #expect(try await broker.topics().contains { $0.name.contains("dead") } == false)
    }

    @Test("a rejected command sent without replyto is dead-lettered with the reason")
    func rejectionWithoutReplyTo() async throws {
        let broker = try await requestBroker()
        var cashier = Consumer(broker: broker, configuration: .init(group: "cashier"), logger: quietLogger)
        cashier.handle(ChargeCard.self, from: "commands") { _, _ in throw CommandRejection("closed") }
        let deadLetters = SubscriptionOptions().deadLetterTopic(for: "commands", group: "cashier")
        try await broker.createTopic(TopicConfiguration(name: deadLetters))
        try await broker.publish(try Event(ChargeCard(orderID: "A-4", cents: 1), source: "/test"), to: "commands")
        try await running([cashier]) {
            try await broker.waitUntilIdle(groups: [GroupReference(topic: "commands", group: "cashier")], timeout: .seconds(60))
        }
        let letters = try await broker.read(topic: deadLetters, partition: Partition(0), from: Offset(0), limit: 10)
        #expect(letters.count == 1)
        let letter = try #require(letters.first.flatMap { DeadLetter($0.event) })
        #expect(letter.failure.message.contains("closed"))
    }

    @Test("a timeout throws a typed error and leaves the command in flight: it is still handled afterwards")
    func timeoutLeavesCommandInFlight() async throws {
        let broker = try await requestBroker()
        let clock = ManualClock()
        let replies = RequestReplies(broker: broker, topic: "replies", clock: clock, logger: quietLogger)
        let started = AsyncSignal()
        let release = AsyncSignal()
        let handled = Mutex(0)
        var cashier = Consumer(broker: broker, configuration: .init(group: "cashier"), logger: quietLogger)
        cashier.handle(ChargeCard.self, from: "commands") { command, context in
            started.notify()
            await release.wait()
            handled.withLock { $0 += 1 }
            try await context.reply(CardCharged(orderID: command.orderID))
        }
        let publisher = Publisher(broker: broker, source: "/test/till", replies: replies)
        let outcome = try await running([replies, cashier]) { () -> RequestError? in
            async let request: Void = {
                _ = try await publisher.request(
                    ChargeCard(orderID: "A-5", cents: 1), to: "commands", awaiting: CardCharged.self, id: "req-5", timeout: .seconds(5))
            }()
            await started.wait()
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(6))
            let error: RequestError?
            do {
                try await request
                error = nil
            } catch let failure as RequestError {
                error = failure
            }
            release.notify()
            try await broker.waitUntilIdle(groups: [GroupReference(topic: "commands", group: "cashier")], timeout: .seconds(60))
            return error
        }
        #expect(outcome == .timedOut(requestID: "req-5", awaiting: CardCharged.cloudEventType, after: .seconds(5)))
        #expect(handled.withLock { $0 } == 1)
        let late = try await broker.read(topic: "replies", partition: Partition(0), from: Offset(0), limit: 10)
        #expect(late.map { $0.event.extensionValue("requestid") } == ["req-5"])
    }

    @Test("a publisher without replies cannot request")
    func noReplies() async throws {
        let broker = try await requestBroker()
        let publisher = Publisher(broker: broker, source: "/test")
        await #expect(throws: RequestError.noReplies(requestID: "r")) {
            _ = try await publisher.request(ChargeCard(orderID: "A", cents: 1), to: "commands", awaiting: CardCharged.self, id: "r", timeout: .seconds(1))
        }
    }

    @Test("a query is answered with its response by a handler that has no publisher")
    func query() async throws {
        let broker = try await requestBroker()
        let replies = RequestReplies(broker: broker, topic: "replies", logger: quietLogger)
        var ledger = Consumer(broker: broker, configuration: .init(group: "ledger"), logger: quietLogger)
        ledger.answer(OrderTotal.self, from: "queries") { query, _ in
            OrderTotalAnswer(orderID: query.orderID, cents: 725)
        }
        let publisher = Publisher(broker: broker, source: "/test/till", replies: replies)
        let answer = try await running([replies, ledger]) {
            try await publisher.request(OrderTotal(orderID: "A-6"), to: "queries", timeout: .seconds(30))
        }
        #expect(answer == OrderTotalAnswer(orderID: "A-6", cents: 725))
    }
}
