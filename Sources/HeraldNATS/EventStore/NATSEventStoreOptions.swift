/// How a ``NATSEventStore`` keeps its streams in JetStream.
public struct NATSEventStoreOptions: Sendable {
    /// How to connect (used by ``NATSEventStore/connect(_:logger:)``).
    public var client: NATSClientOptions
    /// The JetStream stream holding every event-store stream. Default `HERALD_EVENTS`.
    public var streamName: String
    /// The first token of each event-store stream's subject (`<prefix>.<stream>`). Default `herald-es`.
    public var subjectPrefix: String
    /// Where JetStream keeps the messages. Default file.
    public var storage: StreamConfiguration.StorageType
    /// Copies of each message in a cluster. Default 1.
    public var replicas: Int
    /// The JetStream domain, `nil` for the default.
    public var jetStreamDomain: String?
    /// How long a request or publish acknowledgement may take. Default 5 s.
    public var requestTimeout: Duration

    /// Options for `servers`, with the defaults stated on each property.
    public init(servers: [String] = ["nats://127.0.0.1:4222"], streamName: String = "HERALD_EVENTS", subjectPrefix: String = "herald-es") {
        self.client = NATSClientOptions(servers: servers)
        self.streamName = streamName
        self.subjectPrefix = subjectPrefix
        self.storage = .file
        self.replicas = 1
        self.jetStreamDomain = nil
        self.requestTimeout = .seconds(5)
    }
}
