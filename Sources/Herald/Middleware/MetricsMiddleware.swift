import Metrics

/// Records each delivery's handling with swift-metrics:
/// - counter `herald_consumer_handled_total`, dimensions `topic`, `group`, `type` and `outcome`
///   (`success` when the rest of the chain returns, `failure` when it throws);
/// - timer `herald_consumer_handle_duration` in nanoseconds, same dimensions;
/// - meter `herald_consumer_in_flight`, dimensions `topic` and `group`: deliveries being handled now.
///
/// `type` is the event's CloudEvents type; keep the set of types bounded, as each adds time series.
public struct MetricsMiddleware: Middleware {
    /// The counter's label.
    public static let handledLabel = "herald_consumer_handled_total"
    /// The timer's label.
    public static let durationLabel = "herald_consumer_handle_duration"
    /// The in-flight meter's label.
    public static let inFlightLabel = "herald_consumer_in_flight"

    private let factory: any MetricsFactory

    /// Creates a metrics middleware.
    ///
    /// - Parameter factory: where metrics go; default `MetricsSystem.factory` as bootstrapped when the
    ///   middleware is created (bootstrap the metrics system first). Tests pass a `TestMetrics`.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Measures `next`.
    ///
    /// - Throws: whatever `next` throws.
    public func handle(_ context: MessageContext, next: MessageHandler) async throws {
        let delivery = context.delivery
        let inFlight = Meter(
            label: Self.inFlightLabel,
            dimensions: [("topic", delivery.topic), ("group", delivery.group)],
            factory: factory
        )
        inFlight.increment()
        defer { inFlight.decrement() }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await next(context)
        } catch {
            record(context, outcome: "failure", duration: clock.now - start)
            throw error
        }
        record(context, outcome: "success", duration: clock.now - start)
    }

    private func record(_ context: MessageContext, outcome: String, duration: Duration) {
        let dimensions = [
            ("topic", context.delivery.topic),
            ("group", context.delivery.group),
            ("type", context.event.type),
            ("outcome", outcome),
        ]
        Counter(label: Self.handledLabel, dimensions: dimensions, factory: factory).increment()
        Timer(label: Self.durationLabel, dimensions: dimensions, factory: factory).record(duration: duration)
    }
}
