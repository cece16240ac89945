/// How a ``NATSBroker`` connects and lays Herald's topics out in JetStream.
public struct NATSBrokerOptions: Sendable {
    /// The client's options: servers, credentials, TLS, reconnecting, buffers.
    public var client: NATSClientOptions
    /// The servers to connect to (``NATSClientOptions/servers`` of ``client``).
    public var servers: [String] {
        get { client.servers }
        set { client.servers = newValue }
    }
    /// The prefix of every stream (`<prefix>_<topic>_<partition>`) and, in lower case, every subject
    /// (`<prefix>.<topic>.<partition>`). 1 to 32 ASCII letters, digits, `_` or `-`. Default `HERALD`.
    public var streamPrefix: String
    /// Where streams keep their events. Default ``StreamConfiguration/StorageType/file``.
    public var storage: StreamConfiguration.StorageType
    /// How many servers keep a copy of each stream (in a cluster). Default 1.
    public var replicas: Int
    /// The JetStream domain, `nil` for none.
    public var jetStreamDomain: String?
    /// How long a JetStream API request, publish acknowledgement or confirmed acknowledgement may take.
    /// Default 5 s.
    public var requestTimeout: Duration
    /// How long one pull request waits on the server for messages before it is renewed. Default 10 s;
    /// the server sends a heartbeat every quarter of it (at most 5 s), and a request silent for three
    /// heartbeats counts as lost (a server restart) and is sent again.
    public var pullExpiry: Duration
    /// Whether each partition stream gets `max_bytes` (its share of the topic's `maximumBytes`), so that
    /// JetStream itself enforces the byte bound. Default `false`: JetStream *reserves* a stream's
    /// `max_bytes` of the server's storage when the stream is created, so with Herald's default of 512 MiB
    /// per topic a server would run out of reservable storage after a few dozen topics; the broker then
    /// enforces the byte bound itself (checking before a publish under `rejectPublish`, purging the oldest
    /// after one under `dropOldest`), which publishers that bypass Herald can exceed. The event bound
    /// (`max_msgs`, which reserves nothing) is always enforced by JetStream.
    public var serverEnforcedByteLimits: Bool
    /// Whether `Delivery.ack()` waits until the server confirms it applied the acknowledgement (a
    /// "double ack": one round trip per event). Default `false`: the acknowledgement is sent and `ack()`
    /// returns; one that is lost (the connection breaks) means the event is delivered again, as at least
    /// once allows. Either way ``NATSBroker/lag(group:on:)`` first waits until the server applied the
    /// acknowledgements this broker sent, and dead-letter terminations are always confirmed.
    public var confirmAcknowledgements: Bool
    /// The most messages a group's consumer may have delivered and unacknowledged, over all processes
    /// (JetStream's `max_ack_pending`), at least the first subscriber's prefetch. Default 10,000.
    public var maximumAckPending: Int
    /// How long graceful shutdown (``NATSBroker/run()``) waits for this process's subscribers to settle what
    /// they hold and leave before the broker closes. Default 30 seconds, longer than a consumer's own grace
    /// period.
    public var shutdownGracePeriod: Duration

    /// Options for `servers` with every other setting at its default.
    public init(servers: [String] = ["nats://127.0.0.1:4222"], streamPrefix: String = "HERALD") {
        self.client = NATSClientOptions(servers: servers)
        self.streamPrefix = streamPrefix
        self.storage = .file
        self.replicas = 1
        self.jetStreamDomain = nil
        self.requestTimeout = .seconds(5)
        self.pullExpiry = .seconds(10)
        self.maximumAckPending = 10_000
        self.confirmAcknowledgements = false
        self.serverEnforcedByteLimits = false
        self.shutdownGracePeriod = .seconds(30)
    }

    /// Options for a client configured beforehand (credentials, TLS, reconnect policy).
    public init(client: NATSClientOptions, streamPrefix: String = "HERALD") {
        self.init(servers: client.servers, streamPrefix: streamPrefix)
        self.client = client
    }
}
