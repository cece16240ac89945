import NIOSSL

/// How a ``NATSClient`` connects, stays connected and buffers.
public struct NATSClientOptions: Sendable {
    /// How the client reconnects after losing its connection.
    public struct Reconnect: Sendable, Hashable {
        /// Whether to reconnect at all. Default `true`; when `false` a lost connection closes the client.
        public var isEnabled = true
        /// How many consecutive failed attempts (across all servers) end reconnecting and close the client;
        /// `nil` for no limit. Default 60.
        public var maximumAttempts: Int? = 60
        /// The delay cap of the first attempt; it doubles with every failed attempt. Default 100 ms.
        public var baseDelay: Duration = .milliseconds(100)
        /// The largest delay cap. Default 5 s.
        public var maximumDelay: Duration = .seconds(5)

        /// Creates the default reconnect policy.
        public init() {}
    }

    /// The servers to connect to, tried in order: `nats://host:port`, `tls://host:port`, or `host:port`,
    /// optionally with `user:password@` or `token@`. Servers the cluster advertises (`connect_urls`) are
    /// added when reconnecting. Default `["nats://127.0.0.1:4222"]`.
    public var servers: [String]
    /// The connection name shown in the server's monitoring. Default `nil`.
    public var name: String?
    /// The token sent when a server's URL has no credentials. Default `nil`.
    public var token: String?
    /// The user sent when a server's URL has no credentials. Default `nil`.
    public var user: String?
    /// The password sent with ``user``. Default `nil`.
    public var password: String?
    /// The TLS settings, used when a URL is `tls://` or the server requires TLS. Default `nil`: the
    /// platform's trust roots with hostname verification.
    public var tlsConfiguration: TLSConfiguration?
    /// How long one connection attempt (TCP, TLS, `INFO`/`CONNECT`/`PING`/`PONG`) may take. Default 2 s.
    public var connectTimeout: Duration = .seconds(2)
    /// How often the client pings the server to detect a dead connection. Default 2 minutes.
    public var pingInterval: Duration = .seconds(120)
    /// How many pings may go unanswered before the connection counts as dead and is replaced. Default 2.
    public var maximumOutstandingPings = 2
    /// How the client reconnects.
    public var reconnect = Reconnect()
    /// The bytes of commands (publishes, subscriptions) that may wait to be written. While connected a
    /// publish beyond it waits until the socket accepts more; while disconnected it fails at once with
    /// ``NATSClientError/bufferFull(limit:)``, and what is buffered is sent after reconnecting.
    /// Default 8 MiB.
    public var pendingBufferLimit = 8 * 1024 * 1024
    /// The default bounds of each subscription's buffer. Default ``NATSSubscriptionLimits/init()``.
    public var subscriptionLimits = NATSSubscriptionLimits()
    /// The prefix of inbox subjects, for request replies. Default `_INBOX`.
    public var inboxPrefix = "_INBOX"
    /// Whether the server delivers the client's own publishes to its own subscriptions. Default `true`.
    public var echo = true

    /// Creates options for `servers`, with every other setting at its default.
    public init(servers: [String] = ["nats://127.0.0.1:4222"]) {
        self.servers = servers
    }
}

/// The bounds of one subscription's buffer of received messages not yet consumed.
///
/// NATS has no flow control: a server keeps sending whatever a slow consumer cannot take. When a buffer
/// is full the newest message is dropped (slow-consumer policy of the NATS clients), counted in
/// ``NATSSubscription/droppedMessages``, logged and reported as ``NATSClientEvent/slowConsumer(subject:sid:)``.
/// Use JetStream when no message may be lost.
public struct NATSSubscriptionLimits: Sendable, Hashable {
    /// The most messages buffered. Default 65 536.
    public var maximumMessages: Int
    /// The most payload bytes buffered. Default 64 MiB.
    public var maximumBytes: Int

    /// Creates limits; the defaults are 65 536 messages and 64 MiB.
    public init(maximumMessages: Int = 65536, maximumBytes: Int = 64 * 1024 * 1024) {
        self.maximumMessages = maximumMessages
        self.maximumBytes = maximumBytes
    }
}
