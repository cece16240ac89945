import Herald

/// A push subscription: the server delivers a topic's events, as a consumer group of their own, to an
/// HTTP endpoint, in the way the CloudEvents Web Hook spec and Azure Event Grid do it: a validation
/// handshake first, then one POST per event (binary mode), bounded concurrency, retries with
/// exponential backoff and jitter, `Retry-After` honoured, dead letters after the last delivery.
public struct WebhookConfiguration: Sendable, Hashable {
    /// The name logs, metrics and the admin API use.
    public var name: String
    /// The topic delivered.
    public var topic: String
    /// The consumer group the deliveries belong to (default `webhook-<name>`): its own position, its own
    /// dead letters, its lag.
    public var group: String
    /// The endpoint, `http://` or `https://`.
    public var url: String
    /// The most requests in flight to the endpoint at once. Default 4.
    public var maximumConcurrency: Int
    /// How long one request may take before it counts as failed. Default 10 s.
    public var timeout: Duration
    /// Deliveries of one event before it goes to the group's dead letters; the backoff between them.
    /// Default: 8 deliveries, 1 s doubling to at most 5 min, full jitter.
    public var retry: RetryPolicy
    /// The origin the server names itself by in the validation handshake (`WebHook-Request-Origin`).
    /// Default `herald`.
    public var origin: String

    /// A webhook with the defaults stated on each property.
    public init(
        name: String, topic: String, url: String, group: String? = nil, maximumConcurrency: Int = 4, timeout: Duration = .seconds(10),
        retry: RetryPolicy = RetryPolicy(maximumAttempts: 8, initialDelay: .seconds(1), maximumDelay: .seconds(300)),
        origin: String = "herald"
    ) {
        self.name = name
        self.topic = topic
        self.group = group ?? "webhook-\(name)"
        self.url = url
        self.maximumConcurrency = maximumConcurrency
        self.timeout = timeout
        self.retry = retry
        self.origin = origin
    }
}
