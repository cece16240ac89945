import Logging
import ServiceLifecycle

/// Runs handlers for the events of one consumer group: the router.
///
/// Register a handler per event type and topic, add middleware around the handlers if you need it, then
/// run the consumer as a ServiceLifecycle `Service`:
///
/// ```swift
/// var consumer = Consumer(broker: broker, configuration: .init(group: "billing"))
/// consumer.handle(OrderPlaced.self, from: "orders") { order, context in
///     try await context.publisher.publish(PaymentRequested(order: order.id), to: "payments")
/// }
/// let services = ServiceGroup(services: [consumer], logger: logger)
/// try await services.run()
/// ```
///
/// Each delivery goes through the middleware to its handler, outermost first: the standard set
/// (``standardMiddleware``: tracing, metrics, logging, correlation), then the ``FailurePolicy``'s (dead
/// letters, then in-process retries), then the middleware you add (``add(middleware:)`` or `middleware:`),
/// in the order added. A handler that returns acknowledges the delivery; a handler that throws is settled
/// by the failure policy (retryable failures are retried, then redelivered by the broker with a growing
/// delay; permanent ones are dead-lettered); a failure nothing settled is released for redelivery. To
/// run a chain of your own instead, use ``init(broker:configuration:replacingStandardMiddleware:logger:)``.
///
/// Graceful shutdown: the consumer stops taking deliveries, lets in-flight handlers finish within
/// ``ConsumerConfiguration/shutdownGracePeriod``, then cancels the rest and releases their deliveries.
/// Nothing is acknowledged that was not handled.
public struct Consumer: Service {
    /// The broker deliveries come from.
    public let broker: any Broker
    /// How the consumer runs.
    public let configuration: ConsumerConfiguration
    /// The middleware around every handler, outermost first.
    public var middleware: [any Middleware] {
        replacement.map { $0 + added } ?? Self.standardMiddleware + failurePolicy.middleware + added
    }
    /// How failures are handled (unless the middleware was replaced).
    public let failurePolicy: FailurePolicy
    private var added: [any Middleware]
    /// A chain given in place of the standard one.
    private let replacement: [any Middleware]?
    /// The clock the shutdown grace period runs on.
    private let time: TimeSource
    private let logger: Logger
    private var routes: [String: [String: MessageHandler]] = [:]
    private var fallbacks: [String: MessageHandler] = [:]
    /// Registrations that replaced an earlier one: reported when the consumer starts.
    var duplicates: [ConsumerConfigurationError] = []
    /// The topic each command type is handled on: a command has one handler.
    private(set) var commandTopics: [String: String] = [:]

    /// Creates a consumer with the standard middleware, the failure policy's, and `middleware` inside them.
    ///
    /// - Parameters:
    ///   - broker: where deliveries come from and handlers publish to.
    ///   - configuration: group, concurrency, shutdown grace period and more.
    ///   - failurePolicy: retries, redelivery delays and dead letters. Default: no in-process retries,
    ///     redelivery after 1 s doubling to 60 s, dead letters by ``ErrorClassifier/standard``.
    ///   - middleware: added inside the standard set and the failure policy, outermost first (timeouts,
    ///     idempotency, key ordering, rate limits). Default none.
    ///   - clock: the clock the shutdown grace period runs on; default `ContinuousClock` (a test passes a
    ///     manual clock).
    ///   - logger: the consumer's logger.
    public init(
        broker: any Broker,
        configuration: ConsumerConfiguration,
        failurePolicy: FailurePolicy = FailurePolicy(),
        middleware: [any Middleware] = [],
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "herald.consumer")
    ) {
        self.broker = broker
        self.configuration = configuration
        self.failurePolicy = failurePolicy
        self.added = middleware
        self.replacement = nil
        self.time = TimeSource(clock)
        self.logger = logger
    }

    /// Creates a consumer whose handlers run inside exactly `middleware`, outermost first, and nothing
    /// else: no tracing, metrics, logging, correlation or failure handling unless the list has them. A
    /// ``RetryMiddleware`` outside a ``DeadLetterMiddleware`` makes ``run()`` fail at start.
    public init(
        broker: any Broker,
        configuration: ConsumerConfiguration,
        replacingStandardMiddleware middleware: [any Middleware],
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "herald.consumer")
    ) {
        self.broker = broker
        self.configuration = configuration
        self.failurePolicy = FailurePolicy()
        self.added = []
        self.replacement = middleware
        self.time = TimeSource(clock)
        self.logger = logger
    }

    /// `consumer` with `middleware` around its whole chain, its failure policy still checked at start: how
    /// the test harness records every delivery's outcome.
    package init(_ consumer: Consumer, addingOutermost middleware: any Middleware) {
        self.broker = consumer.broker
        self.configuration = consumer.configuration
        self.failurePolicy = consumer.failurePolicy
        self.added = []
        self.replacement = [middleware] + consumer.middleware
        self.time = consumer.time
        self.logger = consumer.logger
        self.routes = consumer.routes
        self.fallbacks = consumer.fallbacks
        self.duplicates = consumer.duplicates
        self.commandTopics = consumer.commandTopics
    }

    /// Adds middleware inside what the consumer has (the innermost so far): the way to build on the
    /// standard set. With a replaced chain, it goes at its end.
    public mutating func add(middleware: any Middleware) {
        added.append(middleware)
    }

    /// The observability middleware every consumer gets unless its chain is replaced, outermost first:
    /// tracing, metrics and logging (through the process's bootstrapped systems) and correlation.
    public static var standardMiddleware: [any Middleware] {
        [TracingMiddleware(), MetricsMiddleware(), LoggingMiddleware(), CorrelationMiddleware()]
    }

    /// Registers a handler for a typed event on a topic. Events that fail to decode are contract
    /// violations (``EventContractError``) and are dead-lettered by ``DeadLetterMiddleware``.
    public mutating func handle<Payload: TypedEvent>(
        _ type: Payload.Type,
        from topic: String,
        handler: @escaping @Sendable (Payload, MessageContext) async throws -> Void
    ) {
        handleEvents(ofType: Payload.cloudEventType, from: topic) { context in
            let payload = try context.event.decode(as: Payload.self)
            try await handler(payload, context)
        }
    }

    /// Registers the one handler of a command type: a second registration of the same command type, on
    /// any topic, makes ``run()`` fail with ``ConsumerConfigurationError`` (a command has one handler).
    /// The handler may refuse the command by throwing ``CommandRejection``: the command is then
    /// acknowledged and ``CommandRejected`` goes to its `replyto` topic (without one, the command is
    /// dead-lettered with the reason).
    public mutating func handle<Command: TypedCommand>(
        _ type: Command.Type,
        from topic: String,
        handler: @escaping @Sendable (Command, MessageContext) async throws -> Void
    ) {
        if let first = commandTopics[Command.cloudEventType], first != topic {
            duplicates.append(.duplicateCommandHandler(commandType: Command.cloudEventType, topics: [first, topic]))
        }
        commandTopics[Command.cloudEventType] = commandTopics[Command.cloudEventType] ?? topic
        handleEvents(ofType: Command.cloudEventType, from: topic) { context in
            let command = try context.event.decode(as: Command.self)
            do {
                try await handler(command, context)
            } catch let rejection as CommandRejection {
                guard context.event.extensionValue(ExtensionAttributeName.replyTo.rawValue) != nil else { throw rejection }
                context.logger.info("command rejected", metadata: ["herald.reason": "\(rejection.reason)"])
                try await context.reply(CommandRejected(commandID: context.event.id, commandType: context.event.type, reason: rejection.reason))
            }
        }
    }

    /// Answers a query: `handler` returns the response, which the consumer sends to the query's `replyto`
    /// topic (``MessageContext/reply(_:)``). The handler gets the query's event and a logger but no
    /// publisher: a query changes nothing. A query without `replyto` is dead-lettered (``ReplyError``).
    public mutating func answer<Query: TypedQuery>(
        _ type: Query.Type,
        from topic: String,
        handler: @escaping @Sendable (Query, QueryContext) async throws -> Query.Response
    ) {
        handleEvents(ofType: Query.cloudEventType, from: topic) { context in
            let query = try context.event.decode(as: Query.self)
            guard context.event.extensionValue(ExtensionAttributeName.replyTo.rawValue) != nil else {
                throw ReplyError(eventID: context.event.id, eventType: context.event.type)
            }
            let response = try await handler(query, QueryContext(event: context.event, logger: context.logger))
            try await context.reply(response)
        }
    }

    /// Queries are answered, not handled: use ``answer(_:from:handler:)``, whose handler returns the response.
    @available(*, unavailable, message: "a query is answered: use answer(_:from:handler:), whose handler returns the response")
    public mutating func handle<Query: TypedQuery>(
        _ type: Query.Type,
        from topic: String,
        handler: @escaping @Sendable (Query, MessageContext) async throws -> Void
    ) {}

    /// Registers a handler for raw events of a CloudEvents `type` on a topic. Registering a second one for
    /// the same type and topic makes ``run()`` fail with ``ConsumerConfigurationError``.
    public mutating func handleEvents(
        ofType eventType: String,
        from topic: String,
        handler: @escaping MessageHandler
    ) {
        if routes[topic]?[eventType] != nil { duplicates.append(.duplicateHandler(topic: topic, eventType: eventType)) }
        routes[topic, default: [:]][eventType] = handler
    }

    /// Registers a handler for every event on a topic that no type-specific handler takes (a dead-letter
    /// watcher, an audit log). One per topic: a second makes ``run()`` fail with ``ConsumerConfigurationError``.
    public mutating func handleAnyEvent(from topic: String, handler: @escaping MessageHandler) {
        routes[topic, default: [:]] = routes[topic, default: [:]]
        if fallbacks[topic] != nil { duplicates.append(.duplicateHandler(topic: topic, eventType: nil)) }
        fallbacks[topic] = handler
    }

    /// The topics this consumer reads.
    public var topics: [String] { routes.keys.sorted() }

    /// Consumes every registered topic until graceful shutdown or cancellation.
    ///
    /// - Throws: ``ConsumerConfigurationError`` before anything runs when a setting is out of range or a
    ///   handler was registered twice; ``BrokerError`` when a subscription cannot be made.
    public func run() async throws {
        try configuration.validate()
        if let duplicate = duplicates.first { throw duplicate }
        try failurePolicy.validate()
        let chain = middleware
        let retry = chain.firstIndex { $0 is RetryMiddleware }
        let deadLetter = chain.lastIndex { $0 is DeadLetterMiddleware }
        if let retry, let deadLetter, retry < deadLetter {
            throw ConsumerConfigurationError.misorderedMiddleware(retry: retry, deadLetter: deadLetter)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (topic, handlers) in routes {
                let subscription = try await broker.subscribe(
                    to: topic,
                    group: configuration.group,
                    options: configuration.subscription
                )
                let fallback = fallbacks[topic]
                group.addTask {
                    await consume(subscription, handlers: handlers, fallback: fallback)
                }
            }
            try await group.waitForAll()
        }
    }

    private func consume(_ subscription: Subscription, handlers: [String: MessageHandler], fallback: MessageHandler?) async {
        let chain = MiddlewareChain.compose(middleware) { context in
            try await route(context, handlers: handlers, fallback: fallback)
        }
        let publisher = Publisher(broker: broker, source: configuration.source)
        await withTaskGroup(of: Void.self) { watcher in
            watcher.addTask {
                if await waitForGracefulShutdown() {
                    await subscription.drain()
                }
            }
            await pull(subscription) { delivery in
                await handleDelivery(delivery, chain: chain, publisher: publisher)
            }
            watcher.cancelAll()
        }
        let brokerShutsDown = await subscription.endedByBrokerShutdown
        await subscription.close()
        // The broker began its graceful shutdown before this consumer's (it was listed after the consumer in
        // the service group): everything held is settled; wait to be shut down in turn rather than end early,
        // which the service group would take for a failure.
        if brokerShutsDown, !Task.isShuttingDownGracefully {
            _ = await waitForGracefulShutdown()
        }
    }

    /// Takes deliveries with at most `concurrency` handlers running, until the subscription ends; then
    /// waits for in-flight handlers up to the grace period and cancels what is left.
    private func pull(_ subscription: Subscription, handle: @escaping @Sendable (Delivery) async -> Void) async {
        enum Finished { case handler, gracePeriod }
        await withTaskGroup(of: Finished.self) { handlers in
            var running = 0
            while true {
                if running >= configuration.concurrency, let finished = await handlers.next(), finished == .handler {
                    running -= 1
                }
                let delivery: Delivery?
                do {
                    delivery = try await subscription.next()
                } catch is CancellationError {
                    delivery = nil
                } catch {
                    logger.error("subscription failed; stopping", metadata: [LogKey.topic: "\(subscription.topic)", LogKey.error: "\(error)"])
                    delivery = nil
                }
                guard let delivery else { break }
                running += 1
                handlers.addTask {
                    await handle(delivery)
                    return .handler
                }
            }
            guard running > 0 else { return }
            let grace = configuration.shutdownGracePeriod
            let time = self.time
            handlers.addTask {
                try? await time.sleep(for: grace)
                return .gracePeriod
            }
            while let finished = await handlers.next() {
                switch finished {
                case .handler:
                    running -= 1
                    if running == 0 { handlers.cancelAll() }
                case .gracePeriod:
                    if running > 0 {
                        logger.warning(
                            "shutdown grace period over; cancelling in-flight handlers and releasing their deliveries",
                            metadata: [LogKey.topic: "\(subscription.topic)", "herald.inflight": "\(running)"]
                        )
                    }
                    handlers.cancelAll()
                }
            }
        }
    }

    private func handleDelivery(_ delivery: Delivery, chain: MessageHandler, publisher: Publisher) async {
        let context = MessageContext(delivery: delivery, logger: logger, publisher: publisher)
        do {
            try await chain(context)
            if context.settlement == nil {
                try await context.settle(.ack)
            }
        } catch {
            guard context.settlement == nil else { return }
            let released = error is CancellationError
            do {
                try await context.settle(.nack(retryAfter: .zero, failure: DeliveryFailure(error)))
            } catch {
                context.logger.error("could not settle a failed delivery; it returns after its ack deadline", metadata: [LogKey.error: "\(error)"])
            }
            if !released {
                context.logger.warning("handler failed and no middleware settled it; released for redelivery", metadata: [LogKey.error: "\(error)"])
            }
        }
    }

    private func route(_ context: MessageContext, handlers: [String: MessageHandler], fallback: MessageHandler?) async throws {
        if let handler = handlers[context.event.type] ?? fallback {
            try await handler(context)
            return
        }
        switch configuration.unhandledEvents {
        case .acknowledge:
            context.logger.debug("no handler for this event type; acknowledged")
        case .deadLetter:
            throw UnhandledEventError(eventType: context.event.type, topic: context.delivery.topic, handledTypes: handlers.keys.sorted())
        }
    }
}
