import Herald
import Prometheus

/// The server's Prometheus metrics, in one registry that `GET /metrics` emits: per topic events and
/// bytes published over HTTP; per group deliveries, redeliveries and settlements over HTTP and webhooks;
/// and, refreshed at each scrape, every group's lag (pending and in flight, what KEDA's scalers read) and
/// dead letters. Give `herald serve`'s registry to `MetricsSystem.bootstrap(PrometheusMetricsFactory(registry:))`
/// as well, and the request metrics and Herald's consumer metrics land in it too.
public final class ServerMetrics: Sendable {
    /// The registry emitted at `/metrics`.
    public let registry: PrometheusCollectorRegistry

    /// Metrics in `registry` (default: a registry of their own).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Events published to `topic` over HTTP.
    func published(topic: String, events: Int, bytes: Int) {
        registry.makeCounter(name: "herald_published_events_total", labels: [("topic", topic)]).increment(by: Int64(events))
        registry.makeCounter(name: "herald_published_bytes_total", labels: [("topic", topic)]).increment(by: Int64(bytes))
    }

    /// Deliveries handed to an HTTP consumer or a webhook (`via`: `pull` or `webhook`), `redelivered` of
    /// them not for the first time.
    func delivered(topic: String, group: String, via: String, count: Int, redelivered: Int) {
        let labels = [("topic", topic), ("group", group), ("via", via)]
        registry.makeCounter(name: "herald_delivered_total", labels: labels).increment(by: Int64(count))
        if redelivered > 0 { registry.makeCounter(name: "herald_redelivered_total", labels: labels).increment(by: Int64(redelivered)) }
    }

    /// Settlements (`ack`, `nack`, `reject`, `extend`; `reject` and a last `nack` dead-letter).
    func settled(topic: String, group: String, via: String, action: String, count: Int = 1) {
        registry.makeCounter(name: "herald_settled_total", labels: [("topic", topic), ("group", group), ("via", via), ("action", action)])
            .increment(by: Int64(count))
    }

    /// Sets the lag and dead-letter gauges from the broker's view of every group.
    func refresh(from broker: any BrokerAdmin, maximumTopics: Int = 1_000) async {
        guard let topics = try? await broker.topics() else { return }
        for topic in topics.prefix(maximumTopics) {
            guard let groups = try? await broker.describeGroups(of: topic.name) else { continue }
            for group in groups {
                let labels = [("topic", topic.name), ("group", group.group)]
                registry.makeGauge(name: "herald_group_pending", labels: labels).set(Double(group.lag.totalPending))
                registry.makeGauge(name: "herald_group_in_flight", labels: labels).set(Double(group.lag.partitions.reduce(0) { $0 + $1.inFlight }))
                registry.makeGauge(name: "herald_group_members", labels: labels).set(Double(group.members.count))
                let deadLetters = (try? await broker.describeTopic(group.deadLetterTopic))?.events ?? 0
                registry.makeGauge(name: "herald_group_dead_letters", labels: labels).set(Double(deadLetters))
            }
        }
    }
}
