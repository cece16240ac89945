import Herald
import HeraldTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Consumer")
struct ConsumerTests {
    @Test("a handled typed event is acknowledged once")
    func handlesTypedEvent() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders", partitions: 2)
        let received = Mutex<[TestOrderPlaced]>([])
        var consumer = harness.consumer(group: "kitchen")
        consumer.handle(TestOrderPlaced.self, from: "orders") { order, _ in
            received.withLock { $0.append(order) }
        }
        try await harness.publish(TestOrderPlaced(orderID: "A-1", item: "flat white"), to: "orders")
        try await harness.publish(TestOrderPlaced(orderID: "A-2", item: "espresso"), to: "orders")
        try await harness.run([consumer])

        #expect(received.withLock { $0 }.map(\.orderID).sorted() == ["A-1", "A-2"])
        #expect(harness.handled(by: "kitchen").map(\.outcome) == [.acknowledged, .acknowledged])
        #expect(try await harness.broker.lag(group: "kitchen", on: "orders").totalPending == 0)
    }

    @Test("a retryable failure is redelivered until the handler succeeds")
    func retriesThroughBroker() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        let attempts = Mutex(0)
        var consumer = harness.consumer(group: "billing")
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in
            let attempt = attempts.withLock { count -> Int in
                count += 1
                return count
            }
            if attempt < 3 { throw FlakyDependency() }
        }
        try await harness.publish(TestOrderPlaced(orderID: "A-1", item: "latte"), to: "orders")
        try await harness.run([consumer])

        #expect(attempts.withLock { $0 } == 3)
        let records = harness.attempts(by: "billing")
        #expect(records.map(\.attempt) == [1, 2, 3])
        #expect(records.last?.outcome == .acknowledged)
        #expect(try await harness.deadLetters(topic: "orders", group: "billing").isEmpty)
    }

    @Test("a malformed event is dead-lettered at once as a contract violation")
    func malformedEventIsDeadLettered() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        var consumer = harness.consumer(group: "kitchen")
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in
            Issue.record("the handler must not see a malformed event")
        }
        var garbage = ByteBuffer()
        garbage.writeString(#"{"orderID": 42}"#)
        let malformed = try Event(
            id: "bad-1",
            source: "/test",
            type: TestOrderPlaced.cloudEventType,
            dataContentType: "application/json",
            data: garbage
        )
        try await harness.publish(malformed, to: "orders")
        try await harness.run([consumer])

        let letters = try await harness.deadLetters(topic: "orders", group: "kitchen")
        #expect(letters.count == 1)
        #expect(letters.first?.event.id == "bad-1")
        #expect(letters.first?.failure.errorType == "EventContractError")
        #expect(letters.first?.attempts == 1)
        #expect(letters.first?.failure.message.contains("bad-1") == true)
    }

    @Test("an event whose data nests 513 deep is dead-lettered at once and the event behind it is handled")
    func deeplyNestedDataIsDeadLettered() async throws {
        // Decoding such data used to crash the process on every delivery: a crash loop that never reached
        // maximumDeliveries and never handled the healthy event behind it.
        let harness = TestHarness()
        try await harness.createTopic("orders")
        let received = Mutex<[String]>([])
        var consumer = harness.consumer(
            group: "kitchen",
            subscription: SubscriptionOptions(ackDeadline: .seconds(5), maximumDeliveries: 8)
        )
        consumer.handle(TestOrderPlaced.self, from: "orders") { order, _ in
            received.withLock { $0.append(order.orderID) }
        }
        let poisoned = try Event(
            id: "deep-1",
            source: "/test",
            type: TestOrderPlaced.cloudEventType,
            subject: "A-1",
            dataContentType: "application/json",
            data: ByteBuffer(bytes: try ForeignJSON.repro())
        )
        try await harness.publish(poisoned, to: "orders")
        try await harness.publish(TestOrderPlaced(orderID: "A-2", item: "flat white"), to: "orders")
        try await harness.run([consumer])

        #expect(received.withLock { $0 } == ["A-2"])
        let letters = try await harness.deadLetters(
            topic: "orders",
            group: "kitchen",
            options: SubscriptionOptions(maximumDeliveries: 8)
        )
        #expect(letters.map(\.event.id) == ["deep-1"])
        #expect(letters.first?.attempts == 1)
        #expect(letters.first?.failure.errorType == "EventContractError")
        #expect(letters.first?.failure.message.contains("deeper than 128 levels") == true)
        #expect(letters.first?.event.data == poisoned.data)
        // Handlers run concurrently, so the two may finish in either order; the poisoned one is tried once.
        let records = harness.attempts(by: "kitchen")
        #expect(records.count == 2)
        #expect(records.filter { $0.event.id == "deep-1" }.map(\.attempt) == [1])
        #expect(records.first { $0.event.id != "deep-1" }?.outcome == .acknowledged)
    }

    @Test("a failure that never stops goes to dead letters after the maximum deliveries")
    func exhaustedRetriesAreDeadLettered() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        var consumer = harness.consumer(
            group: "billing",
            subscription: SubscriptionOptions(ackDeadline: .seconds(5), maximumDeliveries: 4)
        )
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in throw FlakyDependency() }
        try await harness.publish(TestOrderPlaced(orderID: "A-9", item: "mocha"), to: "orders")
        try await harness.run([consumer])

        let letters = try await harness.deadLetters(
            topic: "orders",
            group: "billing",
            options: SubscriptionOptions(maximumDeliveries: 4)
        )
        #expect(letters.count == 1)
        #expect(letters.first?.attempts == 4)
        #expect(letters.first?.failure.errorType == "FlakyDependency")
        #expect(harness.attempts(by: "billing").count == 4)
    }

    @Test("a permanent failure is dead-lettered without retries")
    func permanentFailureIsNotRetried() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        var consumer = harness.consumer(group: "billing")
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in throw CardDeclined() }
        try await harness.publish(TestOrderPlaced(orderID: "A-3", item: "tea"), to: "orders")
        try await harness.run([consumer])

        #expect(harness.attempts(by: "billing").count == 1)
        let letters = try await harness.deadLetters(topic: "orders", group: "billing")
        #expect(letters.map(\.failure.errorType) == ["CardDeclined"])
    }

    @Test(
        "an event type without a handler follows the unhandled-event policy",
        arguments: [ConsumerConfiguration.UnhandledEventPolicy.deadLetter, .acknowledge]
    )
    func unhandledEventPolicy(_ policy: ConsumerConfiguration.UnhandledEventPolicy) async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        var consumer = Consumer(
            broker: harness.broker,
            configuration: ConsumerConfiguration(group: "kitchen", unhandledEvents: policy),
            logger: quietLogger
        )
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in }
        try await harness.publish(TestReceiptSent(orderID: "A-1"), to: "orders")
        try await harness.run([consumer])

        let letters = try await harness.deadLetters(topic: "orders", group: "kitchen")
        switch policy {
        case .deadLetter:
            #expect(letters.map(\.failure.errorType) == ["UnhandledEventError"])
        case .acknowledge:
            #expect(letters.isEmpty)
        }
        #expect(try await harness.broker.lag(group: "kitchen", on: "orders").totalPending == 0)
    }

    @Test("events published by a handler carry correlation and causation ids")
    func propagatesLineage() async throws {
        let harness = TestHarness()
        for topic in ["orders", "payments", "receipts"] { try await harness.createTopic(topic) }
        var billing = harness.consumer(group: "billing")
        billing.handle(TestOrderPlaced.self, from: "orders") { order, context in
            try await context.publisher.publish(TestPaymentRequested(orderID: order.orderID), to: "payments")
        }
        billing.handle(TestPaymentRequested.self, from: "payments") { payment, context in
            try await context.publisher.publish(TestReceiptSent(orderID: payment.orderID), to: "receipts")
        }
        let order = try await harness.publish(TestOrderPlaced(orderID: "A-5", item: "cortado"), to: "orders", id: "order-event-1")
        #expect(!order.isDuplicate)
        try await harness.run([billing])

        let payment = try #require(try await harness.published(on: "payments").first)
        let receipt = try #require(try await harness.published(on: "receipts").first)
        #expect(payment.extensionValue("correlationid") == "order-event-1")
        #expect(payment.extensionValue("causationid") == "order-event-1")
        #expect(receipt.extensionValue("correlationid") == "order-event-1")
        #expect(receipt.extensionValue("causationid") == payment.id)
    }

    @Test("no more than the configured number of handlers run at once")
    func concurrencyIsBounded() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders", partitions: 4)
        let gauge = Mutex((current: 0, peak: 0))
        let threeRunning = AsyncSignal()
        var consumer = Consumer(
            broker: harness.broker,
            configuration: ConsumerConfiguration(group: "kitchen", concurrency: 3),
            logger: quietLogger
        )
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in
            gauge.withLock {
                $0.current += 1
                $0.peak = max($0.peak, $0.current)
            }
            // Each handler stays busy until three have run at once (or 10 s pass), so the peak does not
            // depend on how fast a loaded machine schedules them; more than three must never start.
            if gauge.withLock({ $0.peak }) >= 3 { threeRunning.notify() }
            let giveUp = ContinuousClock.now + .seconds(10)
            while gauge.withLock({ $0.peak }) < 3, ContinuousClock.now < giveUp {
                await threeRunning.wait(until: giveUp)
            }
            threeRunning.notify()
            gauge.withLock { $0.current -= 1 }
        }
        for index in 0..<30 {
            try await harness.publish(TestOrderPlaced(orderID: "A-\(index)", item: "drip"), to: "orders")
        }
        // More time than the handlers' own 10 s: on a machine loaded by the rest of the suite (servers and
        // helper processes run beside it), starting the first three handlers can take seconds.
        try await harness.run([consumer], timeout: .seconds(60))
        #expect(gauge.withLock { $0.peak } == 3)
        #expect(try await harness.broker.lag(group: "kitchen", on: "orders").totalPending == 0)
    }

    @Test("in per-key mode a redelivered event blocks later events of its key, other keys run on")
    func perKeyOrderWithRedelivery() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders", partitions: 2)
        let handled = Mutex<[String: [Int]]>([:])
        let failedOnce = Mutex<Set<String>>([])
        var consumer = harness.consumer(
            group: "ledger",
            subscription: SubscriptionOptions(ackDeadline: .seconds(5), ordering: .perKey),
            failurePolicy: FailurePolicy(redeliveryDelay: { _ in .zero }),
            middleware: [KeyOrderingMiddleware()]
        )
        consumer.handle(TestOrderPlaced.self, from: "orders") { order, context in
            // The first delivery of every third event fails; its redelivery must still come first.
            let sequence = Int(order.item) ?? -1
            if sequence % 3 == 0, failedOnce.withLock({ $0.insert("\(order.orderID)#\(sequence)").inserted }) {
                throw FlakyDependency()
            }
            handled.withLock { $0[order.orderID, default: []].append(sequence) }
        }
        for sequence in 0..<30 {
            for key in ["A", "B", "C", "D"] {
                try await harness.publish(TestOrderPlaced(orderID: key, item: "\(sequence)"), to: "orders")
            }
        }
        try await harness.run([consumer], timeout: .seconds(30))
        for key in ["A", "B", "C", "D"] {
            #expect(handled.withLock { $0[key] } == Array(0..<30), "order of key \(key)")
        }
    }
}
