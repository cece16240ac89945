import AsyncHTTPClient
import Herald
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// A Herald broker behind an HTTP API: publishing by the CloudEvents HTTP binding, pull consumers that
/// settle by token, and probes. A
/// ServiceLifecycle `Service`: run it in a `ServiceGroup` after the broker (services stop in reverse order,
/// so on SIGTERM the server stops accepting and finishes its requests before the broker closes).
///
/// ```swift
/// let broker = try await LogBroker.open(LogBrokerConfiguration(dataDirectory: "data"))
/// let server = HeraldServer(broker: broker, configuration: ServerConfiguration(port: 8080))
/// try await ServiceGroup(services: [broker, server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
/// ```
public struct HeraldServer: Service {
    /// The broker served.
    public let broker: any BrokerAdmin
    /// How the server listens and what it bounds.
    public let configuration: ServerConfiguration
    /// The metrics `GET /metrics` emits.
    public let metrics: ServerMetrics
    /// The projections whose lag `GET /projections` reports.
    public let projections: ProjectionMonitor
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void
    private let limiter: RequestLimiter
    private let time: TimeSource

    /// A server of `broker`; `onListening` gets the port once the server accepts connections (the one taken
    /// when the configuration's port is 0). `clock` times the request rate limits and the webhooks' waits
    /// (revalidation, the endpoint's allowed rate).
    public init<C: Clock>(
        broker: any BrokerAdmin,
        configuration: ServerConfiguration = ServerConfiguration(),
        metrics: ServerMetrics = ServerMetrics(),
        projections: ProjectionMonitor = ProjectionMonitor(),
        logger: Logger = Logger(label: "herald.server"),
        clock: C = ContinuousClock(),
        onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) where C.Duration == Duration {
        self.broker = broker
        self.configuration = configuration
        self.metrics = metrics
        self.projections = projections
        self.logger = logger
        self.onListening = onListening
        self.time = TimeSource(clock)
        self.limiter = RequestLimiter(defaults: configuration.limits.perToken, time: time)
    }

    /// Creates the configured topics, then serves until graceful shutdown or cancellation; on graceful
    /// shutdown it stops accepting connections, finishes the requests in flight, and releases the
    /// deliveries pull consumers still hold.
    ///
    /// - Throws: ``Herald/BrokerError`` when a configured topic cannot be created; the server's error when
    ///   it cannot listen.
    public func run() async throws {
        for topic in configuration.topics {
            try await broker.createTopic(topic)
        }
        let router = Router()
        // Request counts and durations, through the process's metrics system (herald serve points it at
        // the same registry).
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        let authorizer = Authorizer(configuration.access)
        // After the request id, so that a refusal carries one.
        router.add(middleware: RequestLimitMiddleware(limiter: limiter, authorizer: authorizer))
        let pulls = PullSubscriptions(broker: broker, options: SubscriptionOptions(prefetch: Self.pullPrefetch))
        let handling = HandlingTimes(time: time)
        PublishRoutes(broker: broker, limits: configuration.limits, authorizer: authorizer, metrics: metrics).register(on: router)
        ConsumeRoutes(broker: broker, pulls: pulls, limits: configuration.limits, authorizer: authorizer, metrics: metrics, handling: handling)
            .register(on: router)
        StreamRoutes(broker: broker, authorizer: authorizer, metrics: metrics, handling: handling).register(on: router)
        AdminRoutes(broker: broker, authorizer: authorizer).register(on: router)
        ProjectionRoutes(monitor: projections, authorizer: authorizer).register(on: router)
        TriageRoutes(triage: DeadLetterTriage(broker: broker), authorizer: authorizer, limits: configuration.limits).register(on: router)
        let board = WebhookStatusBoard()
        router.get("webhooks") { request, _ in
            let principal = try authorizer.authorize(request.headers, .read, topic: nil)
            let visible = await board.all().filter { principal.allows(.read, topic: $0.topic) }
            return try JSONResponse.make(["webhooks": visible])
        }
        let observer = TrafficObserver(broker: broker, time: time, handling: handling, logger: logger)
        DashboardRoutes(authorizer: authorizer, observer: observer, time: time).register(on: router)
        EventBrowserRoutes(broker: broker, authorizer: authorizer, observer: observer).register(on: router)
        FlowRoutes(broker: broker, authorizer: authorizer, observer: observer).register(on: router)
        HealthRoutes(broker: broker).register(on: router)
        OpenAPIRoutes().register(on: router)
        MetricsRoutes(broker: broker, metrics: metrics).register(on: router)
        let logger = logger
        let onListening = onListening
        let server: HTTPServerBuilder = try configuration.tls.map { try .tls(.http1(), tlsConfiguration: $0.configuration) } ?? .http1()
        let application = Application(
            router: router,
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "herald",
                availableConnectionsDelegate: .maximum(configuration.limits.maximumConnections, logger: logger)
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("herald serve is listening", metadata: ["herald.port": "\(port)"])
                await onListening(port)
            },
            logger: logger
        )
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let dispatchers = configuration.webhooks.map {
            WebhookDispatcher(configuration: $0, broker: broker, client: client, board: board, metrics: metrics, time: time, logger: logger)
        }
        let result: Result<Void, any Error>
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await application.run() }
                // The dashboard's sampling, until the server stops.
                group.addTask { await cancelWhenGracefulShutdown { await observer.run() } }
                // Each webhook on its own task: a slow endpoint holds up only its own deliveries.
                for dispatcher in dispatchers {
                    group.addTask {
                        do {
                            try await dispatcher.run()
                        } catch {
                            logger.error("a webhook stopped", metadata: ["herald.webhook": "\(dispatcher.configuration.name)", "herald.error": "\(error)"])
                        }
                    }
                }
                try await group.waitForAll()
            }
            result = .success(())
        } catch {
            result = .failure(error)
        }
        // Deliveries HTTP consumers still hold go back to their groups at once.
        await pulls.closeAll()
        try? await client.shutdown()
        try result.get()
    }

    /// Unsettled deliveries the server's pull consumers of one group may hold together.
    public static let pullPrefetch = 1_000
}
