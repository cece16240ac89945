import Herald
import HeraldTesting
import Synchronization
import Testing

/// Mistakes a consumer's user can make that once went unnoticed (issue 11, point 7): each now either works
/// as meant or stops the consumer at start with an error that names the mistake.
@Suite("Consumer: API traps")
struct ConsumerTrapTests {
    /// What `consumer.run()` fails with at start; `nil` (and a recorded issue) if it is still running after
    /// 10 seconds: it started when it should not have.
    private func startError(of consumer: Consumer) async -> ConsumerConfigurationError? {
        await withTaskGroup(of: ConsumerConfigurationError?.self) { group in
            group.addTask {
                do {
                    try await consumer.run()
                    Issue.record("run() returned instead of failing at start")
                } catch let error as ConsumerConfigurationError {
                    return error
                } catch {
                    Issue.record("run() failed with \(error), not a ConsumerConfigurationError")
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                if !Task.isCancelled { Issue.record("the consumer started: run() did not fail within 10 s") }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test("a handler that nacks through context.delivery and returns is not acknowledged over its nack")
    func settlementThroughDelivery() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        let attempts = Mutex(0)
        var consumer = harness.consumer(group: "billing")
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, context in
            let attempt = attempts.withLock { count -> Int in
                count += 1
                return count
            }
            if attempt == 1 { try await context.delivery.nack(retryAfter: .zero) }
        }
        try await harness.publish(TestOrderPlaced(orderID: "A-1", item: "latte"), to: "orders")
        try await harness.run([consumer])

        #expect(attempts.withLock { $0 } == 2, "the nack stood: the event came back")
        #expect(harness.attempts(by: "billing").map(\.attempt) == [1, 2])
    }

    @Test("the first settlement wins on every path: context.settle after delivery.reject does nothing")
    func firstSettlerWins() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        let secondSettled = Mutex<Bool?>(nil)
        var consumer = harness.consumer(group: "billing")
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, context in
            try await context.delivery.reject(reason: "test")
            let settled = try await context.settle(.ack)
            secondSettled.withLock { $0 = settled }
        }
        try await harness.publish(TestOrderPlaced(orderID: "A-1", item: "latte"), to: "orders")
        try await harness.run([consumer])

        #expect(secondSettled.withLock { $0 } == false)
        #expect(try await harness.deadLetters(topic: "orders", group: "billing").count == 1, "the reject stood")
    }

    @Test("a second handler for the same event type and topic stops the consumer at start")
    func duplicateHandler() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        var consumer = harness.consumer(group: "billing")
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in }
        consumer.handleEvents(ofType: TestOrderPlaced.cloudEventType, from: "orders") { _ in }
        let error = await startError(of: consumer)
        #expect(error?.code == .duplicateHandler)
        #expect(error?.message.contains(TestOrderPlaced.cloudEventType) == true && error?.message.contains("orders") == true, "\(String(describing: error))")
    }

    @Test("a second handleAnyEvent on a topic stops the consumer at start")
    func duplicateFallback() async throws {
        let harness = TestHarness()
        var consumer = harness.consumer(group: "audit")
        consumer.handleAnyEvent(from: "orders") { _ in }
        consumer.handleAnyEvent(from: "orders") { _ in }
        let error = await startError(of: consumer)
        #expect(error?.code == .duplicateHandler)
    }

    @Test("invalid settings stop the consumer at start, naming the setting and the value", arguments: [0, -3])
    func invalidConcurrency(_ concurrency: Int) async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        var configuration = ConsumerConfiguration(group: "billing")
        configuration.concurrency = concurrency
        var consumer = Consumer(broker: harness.broker, configuration: configuration, logger: quietLogger)
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in }
        let error = await startError(of: consumer)
        #expect(error?.code == .invalidSetting)
        #expect(error?.message.contains("concurrency = \(concurrency)") == true, "\(String(describing: error))")
    }

    @Test("an empty group name and a negative grace period are refused by validate()")
    func validate() {
        #expect(throws: ConsumerConfigurationError.self) { try ConsumerConfiguration(group: "").validate() }
        #expect(throws: ConsumerConfigurationError.self) { try ConsumerConfiguration(group: "g", shutdownGracePeriod: .seconds(-1)).validate() }
        #expect(throws: Never.self) { try ConsumerConfiguration(group: "g").validate() }
    }

    @Test("middleware passed to a consumer is added inside tracing, metrics, logging, correlation and the failure policy")
    func middlewareBuildsOnTheStandardSet() throws {
        let harness = TestHarness()
        var consumer = Consumer(
            broker: harness.broker, configuration: ConsumerConfiguration(group: "billing"), middleware: [try TimeoutMiddleware(limit: .seconds(1))]
        )
        consumer.add(middleware: KeyOrderingMiddleware())
        let names = consumer.middleware.map { String(describing: type(of: $0)) }
        #expect(
            names == [
                "TracingMiddleware", "MetricsMiddleware", "LoggingMiddleware", "CorrelationMiddleware", "DeadLetterMiddleware", "TimeoutMiddleware",
                "KeyOrderingMiddleware",
            ])
        let replaced = Consumer(broker: harness.broker, configuration: ConsumerConfiguration(group: "billing"), replacingStandardMiddleware: [])
        #expect(replaced.middleware.isEmpty, "replacing the chain on purpose leaves exactly what was given")
    }

    @Test("retries placed outside dead-lettering stop the consumer at start, as do retries added inside a second dead-letter step")
    func retryOutsideDeadLetter() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        let retry = try RetryMiddleware(policy: RetryPolicy(maximumAttempts: 3))
        var replaced = Consumer(
            broker: harness.broker, configuration: ConsumerConfiguration(group: "billing"), replacingStandardMiddleware: [retry, DeadLetterMiddleware()],
            logger: quietLogger
        )
        replaced.handle(TestOrderPlaced.self, from: "orders") { _, _ in }
        #expect(await startError(of: replaced)?.code == .misorderedMiddleware)
        var added = Consumer(
            broker: harness.broker, configuration: ConsumerConfiguration(group: "billing"), middleware: [retry, DeadLetterMiddleware()], logger: quietLogger
        )
        added.handle(TestOrderPlaced.self, from: "orders") { _, _ in }
        #expect(await startError(of: added)?.code == .misorderedMiddleware)
    }

    @Test("a failure policy with retries retries in process before the broker redelivers, then dead-letters")
    func failurePolicyRetries() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        let tries = Mutex(0)
        var consumer = harness.consumer(
            group: "billing",
            subscription: SubscriptionOptions(ackDeadline: .seconds(5), maximumDeliveries: 2),
            failurePolicy: FailurePolicy(
                retry: RetryPolicy(maximumAttempts: 3, initialDelay: .zero, maximumDelay: .zero),
                redeliveryDelay: { _ in .zero }
            )
        )
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in
            tries.withLock { $0 += 1 }
            throw FlakyDependency()
        }
        try await harness.publish(TestOrderPlaced(orderID: "A-9", item: "tea"), to: "orders")
        try await harness.run([consumer])
        #expect(tries.withLock { $0 } == 6, "3 tries in process on each of the 2 deliveries")
        #expect(harness.attempts(by: "billing").map(\.attempt) == [1, 2])
        #expect(try await harness.deadLetters(topic: "orders", group: "billing").map(\.attempts) == [2])
    }

    @Test("an invalid retry policy in the failure policy stops the consumer at start, naming it")
    func invalidFailurePolicy() async throws {
        let harness = TestHarness()
        try await harness.createTopic("orders")
        var consumer = Consumer(
            broker: harness.broker, configuration: ConsumerConfiguration(group: "billing"),
            failurePolicy: FailurePolicy(retry: RetryPolicy(maximumAttempts: 0)), logger: quietLogger
        )
        consumer.handle(TestOrderPlaced.self, from: "orders") { _, _ in }
        let error = await startError(of: consumer)
        #expect(error?.code == .invalidSetting)
        #expect(error?.message.contains("failurePolicy.retry") == true, "\(String(describing: error))")
    }
}
