import Herald
import Logging
import ServiceLifecycle

/// Runs your handlers against a broker in a test (the in-memory broker unless you pass another): publish,
/// run consumers until everything is handled, then assert on what was published, handled, attempted and
/// dead-lettered.
///
/// ```swift
/// let harness = TestHarness()
/// try await harness.createTopic("orders")
/// var consumer = harness.consumer(group: "billing")
/// consumer.handle(OrderPlaced.self, from: "orders") { order, context in ... }
/// try await harness.publish(OrderPlaced(id: "A-1"), to: "orders")
/// try await harness.run([consumer])
/// #expect(harness.handled(OrderPlaced.self, by: "billing").map(\.id) == ["A-1"])
/// #expect(try await harness.deadLetters(topic: "orders", group: "billing").isEmpty)
/// ```
public struct TestHarness: Sendable {
    /// The broker everything runs on.
    public let broker: any BrokerAdmin
    /// The `source` of events published through ``publish(_:to:id:)``.
    public let source: String
    private let records = Shared<[HandledRecord]>([])
    private let logger: Logger

    /// Creates a harness with an empty in-memory broker. The default logger discards everything; pass one
    /// to see what the broker and consumers log.
    public init(
        source: String = "/herald/test",
        logger: Logger = Logger(label: "herald.test", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.init(broker: InMemoryBroker(logger: logger), source: source, logger: logger)
    }

    /// Creates a harness on `broker`: any backend, such as an embedded log in a temporary directory or a
    /// NATS server, so that the same test runs against what production uses. The harness does not close it.
    public init(
        broker: any BrokerAdmin,
        source: String = "/herald/test",
        logger: Logger = Logger(label: "herald.test", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.broker = broker
        self.source = source
        self.logger = logger
    }

    /// Creates a topic. - Throws: ``BrokerError``.
    public func createTopic(_ name: String, partitions: Int = 1) async throws {
        try await broker.createTopic(TopicConfiguration(name: name, partitions: partitions))
    }

    /// Publishes a typed event. - Throws: ``BrokerError``, ``EventContractError``.
    @discardableResult
    public func publish<Payload: TypedEvent>(_ payload: Payload, to topic: String, id: String? = nil) async throws -> PublishReceipt {
        let outcome = try await Publisher(broker: broker, source: source).publish(payload, to: topic, id: id)
        guard let receipt = outcome.receipt else {
            throw BrokerError.unavailable("the broker returned no receipt for the event published to '\(topic)'")
        }
        return receipt
    }

    /// Publishes an event as it is. - Throws: ``BrokerError``.
    @discardableResult
    public func publish(_ event: Event, to topic: String) async throws -> PublishReceipt {
        try await broker.publish(event, to: topic)
    }

    /// A consumer on the harness's broker whose every delivery is recorded for ``attempts(by:)`` and
    /// ``handled(by:)``.
    ///
    /// - Parameters:
    ///   - group: the consumer group.
    ///   - subscription: subscription options; the default redelivers quickly enough for tests.
    ///   - failurePolicy: how failures are handled; the default redelivers at once, so that tests of
    ///     failures wait for no delay.
    ///   - middleware: added inside the standard set and the failure policy, as ``Consumer`` does.
    public func consumer(
        group: String,
        subscription: SubscriptionOptions = SubscriptionOptions(ackDeadline: .seconds(5)),
        failurePolicy: FailurePolicy = FailurePolicy(redeliveryDelay: { _ in .zero }),
        middleware: [any Middleware] = []
    ) -> Consumer {
        let configuration = ConsumerConfiguration(group: group, source: source, subscription: subscription)
        let standard = Consumer(broker: broker, configuration: configuration, failurePolicy: failurePolicy, middleware: middleware, logger: logger)
        // The recorder outermost, around the very chain a consumer would have.
        return Consumer(standard, addingOutermost: RecordingMiddleware(records: records))
    }

    /// Runs the consumers until every one of their groups has acknowledged every event of its topics
    /// (retries and redeliveries included), then shuts them down gracefully. The default `timeout` is
    /// generous on purpose: a test process running hundreds of tests at once on two cores can take seconds
    /// for what takes milliseconds alone, and a longer wait only slows a test that fails anyway.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` when they are not idle within `timeout`, naming the busy
    ///   groups; whatever a consumer throws.
    public func run(_ consumers: [Consumer], timeout: Duration = .seconds(60)) async throws {
        let groups = consumers.flatMap { consumer in
            consumer.topics.map { GroupReference(topic: $0, group: consumer.configuration.group) }
        }
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: consumers.map { $0 as any Service }, logger: logger)
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            do {
                try await broker.waitUntilIdle(groups: groups, timeout: timeout)
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// Every delivery attempt of consumers of `group` so far, in the order they finished: an event tried
    /// three times gives three records, with attempts 1, 2 and 3.
    public func attempts(by group: String) -> [HandledRecord] {
        records.value.filter { $0.group == group }
    }

    /// The deliveries consumers of `group` handled: those whose handler returned and which the consumer
    /// acknowledged, one per event handled (failed attempts, stopped duplicates and dead letters are not
    /// counted), in the order they finished.
    public func handled(by group: String) -> [HandledRecord] {
        attempts(by: group).filter { $0.outcome == .acknowledged }
    }

    /// The events of type `Payload` consumers of `group` handled (see ``handled(by:)``), decoded.
    ///
    /// - Throws: ``EventContractError`` when a handled event of that type does not decode.
    public func handled<Payload: TypedEvent>(_ type: Payload.Type, by group: String) throws -> [Payload] {
        try handled(by: group).filter { $0.event.type == Payload.cloudEventType }.map { record throws(EventContractError) in
            try record.event.decode(as: Payload.self)
        }
    }

    /// Every event stored in a topic, partition by partition. - Throws: ``BrokerError``.
    public func published(on topic: String) async throws -> [Event] {
        guard let configuration = try await broker.topics().first(where: { $0.name == topic }) else {
            throw BrokerError.unknownTopic(topic)
        }
        var events: [Event] = []
        for partition in 0..<configuration.partitions {
            events += try await broker.read(topic: topic, partition: Partition(partition), from: 0, limit: .max).map(\.event)
        }
        return events
    }

    /// The dead letters of a group on a topic (empty when none were written).
    ///
    /// - Throws: ``BrokerError`` when the topic cannot be read.
    public func deadLetters(
        topic: String, group: String, options: SubscriptionOptions = SubscriptionOptions()
    ) async throws
        -> [DeadLetter]
    {
        let name = options.deadLetterTopic(for: topic, group: group)
        guard try await broker.topics().contains(where: { $0.name == name }) else { return [] }
        return try await published(on: name).compactMap { DeadLetter($0) }
    }
}
