/// What a NATS server says about itself in its `INFO` frame: sent first on every connection, and again
/// when the cluster changes. Fields the server leaves out are `nil` (or `false`).
public struct NATSServerInfo: Sendable, Hashable, Decodable {
    /// The server's unique id.
    public var serverID: String
    /// The server's name, when configured (defaults to its id).
    public var serverName: String?
    /// The server's version, such as `2.9.10`.
    public var version: String
    /// The protocol level the server speaks (1 supports asynchronous INFO and headers).
    public var proto: Int?
    /// The host the server listens on.
    public var host: String?
    /// The port the server listens on.
    public var port: Int?
    /// The largest message (headers plus payload) the server accepts, in bytes.
    public var maxPayload: Int
    /// Whether the server supports headers (`HPUB`, `HMSG`).
    public var headers: Bool
    /// Whether the client must upgrade the connection to TLS after this `INFO`.
    public var tlsRequired: Bool
    /// Whether the server accepts a TLS upgrade without requiring it.
    public var tlsAvailable: Bool
    /// Whether the server requires credentials in `CONNECT`.
    public var authRequired: Bool
    /// Other servers of the cluster a client may reconnect to, as `host:port`.
    public var connectURLs: [String]
    /// A challenge to sign for NKey authentication.
    public var nonce: String?
    /// Whether the server is in lame duck mode: shutting down soon, clients should move elsewhere.
    public var lameDuckMode: Bool
    /// Whether JetStream is enabled on the server.
    public var jetStream: Bool
    /// The client id the server assigned to this connection.
    public var clientID: UInt64?
    /// The client's IP address as the server sees it.
    public var clientIP: String?
    /// The server's cluster name, when clustered.
    public var cluster: String?

    private enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case serverName = "server_name"
        case version
        case proto
        case host
        case port
        case maxPayload = "max_payload"
        case headers
        case tlsRequired = "tls_required"
        case tlsAvailable = "tls_available"
        case authRequired = "auth_required"
        case connectURLs = "connect_urls"
        case nonce
        case lameDuckMode = "ldm"
        case jetStream = "jetstream"
        case clientID = "client_id"
        case clientIP = "client_ip"
        case cluster
    }

    /// The max_payload NATS servers use when none is configured: 1 MiB.
    public static let defaultMaxPayload = 1_048_576

    /// Decodes an `INFO` JSON object; absent fields get their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serverID = try container.decodeIfPresent(String.self, forKey: .serverID) ?? ""
        serverName = try container.decodeIfPresent(String.self, forKey: .serverName)
        version = try container.decodeIfPresent(String.self, forKey: .version) ?? ""
        proto = try container.decodeIfPresent(Int.self, forKey: .proto)
        host = try container.decodeIfPresent(String.self, forKey: .host)
        port = try container.decodeIfPresent(Int.self, forKey: .port)
        maxPayload = try container.decodeIfPresent(Int.self, forKey: .maxPayload) ?? Self.defaultMaxPayload
        headers = try container.decodeIfPresent(Bool.self, forKey: .headers) ?? false
        tlsRequired = try container.decodeIfPresent(Bool.self, forKey: .tlsRequired) ?? false
        tlsAvailable = try container.decodeIfPresent(Bool.self, forKey: .tlsAvailable) ?? false
        authRequired = try container.decodeIfPresent(Bool.self, forKey: .authRequired) ?? false
        connectURLs = try container.decodeIfPresent([String].self, forKey: .connectURLs) ?? []
        nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
        lameDuckMode = try container.decodeIfPresent(Bool.self, forKey: .lameDuckMode) ?? false
        jetStream = try container.decodeIfPresent(Bool.self, forKey: .jetStream) ?? false
        clientID = try container.decodeIfPresent(UInt64.self, forKey: .clientID)
        clientIP = try container.decodeIfPresent(String.self, forKey: .clientIP)
        cluster = try container.decodeIfPresent(String.self, forKey: .cluster)
    }

    /// Creates an info value, for tests and for servers that send no `INFO` fields beyond these.
    public init(serverID: String, version: String, maxPayload: Int = Self.defaultMaxPayload, headers: Bool = true) {
        self.serverID = serverID
        self.serverName = nil
        self.version = version
        self.proto = 1
        self.host = nil
        self.port = nil
        self.maxPayload = maxPayload
        self.headers = headers
        self.tlsRequired = false
        self.tlsAvailable = false
        self.authRequired = false
        self.connectURLs = []
        self.nonce = nil
        self.lameDuckMode = false
        self.jetStream = false
        self.clientID = nil
        self.clientIP = nil
        self.cluster = nil
    }
}
