import Herald

/// How `herald serve` listens, what it bounds, and which topics it makes sure exist at start.
public struct ServerConfiguration: Sendable {
    /// The address to listen on. Default `127.0.0.1`: only this machine reaches the server.
    public var host: String
    /// The TCP port. Default 8080; 0 takes any free port (the server reports the one it took).
    public var port: Int
    /// Bounds on requests.
    public var limits: ServerLimits
    /// Topics created at start if missing (an existing topic of another configuration stops the start).
    public var topics: [TopicConfiguration]
    /// Who may use the server. Default: no token and no anonymous access (every request but the probes
    /// gets 401).
    public var access: ServerAccess
    /// Push subscriptions: topics delivered to HTTP endpoints.
    public var webhooks: [WebhookConfiguration]
    /// The TLS identity; `nil` (the default) serves plain HTTP.
    public var tls: ServerTLS?

    /// A configuration with the defaults stated on each property.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, limits: ServerLimits = ServerLimits(), topics: [TopicConfiguration] = [],
        access: ServerAccess = ServerAccess(), webhooks: [WebhookConfiguration] = [], tls: ServerTLS? = nil
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.topics = topics
        self.access = access
        self.webhooks = webhooks
        self.tls = tls
    }

    /// `https` with TLS, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }
}
