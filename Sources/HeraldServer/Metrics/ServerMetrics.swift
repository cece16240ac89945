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
        counter("published_events", "Events published over HTTP.", [("topic", topic)]).increment(by: Int64(events))
        counter("published_bytes", "Payload bytes published over HTTP.", [("topic", topic)]).increment(by: Int64(bytes))
    }

    /// Deliveries handed to an HTTP consumer or a webhook (`via`: `pull` or `webhook`), `redelivered` of
    /// them not for the first time.
    func delivered(topic: String, group: String, via: String, count: Int, redelivered: Int) {
        let labels = [("topic", topic), ("group", group), ("via", via)]
        counter("delivered", "Deliveries to HTTP consumers and webhooks.", labels).increment(by: Int64(count))
        if redelivered > 0 { counter("redelivered", "Deliveries that were not the first.", labels).increment(by: Int64(redelivered)) }
    }

    /// Settlements (`ack`, `nack`, `reject`, `extend`; `reject` and a last `nack` dead-letter).
    func settled(topic: String, group: String, via: String, action: String, count: Int = 1) {
        counter("settled", "Settlements by action.", [("topic", topic), ("group", group), ("via", via), ("action", action)])
            .increment(by: Int64(count))
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "herald", metricName: name, unitName: "total", helpText: help), labels: labels)
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "herald", metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// Sets the lag and dead-letter gauges from the broker's view of every group.
    func refresh(from broker: any BrokerAdmin, maximumTopics: Int = 1_000) async {
        guard let topics = try? await broker.topics() else { return }
        for topic in topics.prefix(maximumTopics) {
            guard let groups = try? await broker.describeGroups(of: topic.name) else { continue }
            for group in groups {
                let labels = [("topic", topic.name), ("group", group.group)]
                gauge("group_pending", "Events the group has not acknowledged.", labels).set(Double(group.lag.totalPending))
                gauge("group_in_flight", "Deliveries held unsettled.", labels).set(Double(group.lag.partitions.reduce(0) { $0 + $1.inFlight }))
                gauge("group_members", "Subscribers of the group.", labels).set(Double(group.members.count))
                let deadLetters = (try? await broker.describeTopic(group.deadLetterTopic))?.events ?? 0
                gauge("group_dead_letters", "Events in the group's dead-letter topic.", labels).set(Double(deadLetters))
            }
        }
    }
}
