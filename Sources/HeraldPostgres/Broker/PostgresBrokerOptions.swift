/// How a ``PostgresBroker`` connects and where it keeps its tables.
public struct PostgresBrokerOptions: Sendable {
    /// The primary: every write, lease, acknowledgement and read that must be current goes here.
    public var primary: PostgresURL
    /// A streaming replica for reads that may lag (``PostgresBroker/read(topic:partition:from:limit:)`` of
    /// old events, lag figures, topic descriptions); `nil` sends those to the primary too.
    public var replica: PostgresURL?
    /// The schema of Herald's tables: 1 to 40 lowercase ASCII letters, digits or `_`, starting with a
    /// letter. Default `herald`. Two brokers with different schemas in one database do not see each other.
    public var schema: String
    /// The most connections to the primary at once. Default 16.
    public var maximumConnections: Int
    /// How long a waiting consumer sleeps at most before it looks again, in case a notification was
    /// missed (a dropped listener connection). Default 1 s.
    public var pollInterval: Duration
    /// Whether a subscription's `Delivery.ack()` returns only once the acknowledgement is written. Default
    /// `false`: it is queued and written with others in one statement moments later (see
    /// ``PostgresBroker``), and one lost before that (the process died) means the event is delivered
    /// again, as at-least-once delivery allows. Settling by token through the broker is always written
    /// before it returns.
    public var confirmAcknowledgements: Bool
    /// How long graceful shutdown (``PostgresBroker/run()``) waits for this process's subscribers to settle
    /// what they hold and leave. Default 30 seconds.
    public var shutdownGracePeriod: Duration
    /// How long ``PostgresBroker/connect(_:logger:)`` tries to reach the primary and prepare the schema
    /// before it gives up with ``BrokerError/unavailable(_:)``. Default 10 seconds.
    public var connectTimeout: Duration
    /// After how many acknowledged deliveries this broker vacuums the `deliveries` table itself; `nil`
    /// leaves it to autovacuum. Default 50,000. Each delivery is a row inserted when it is taken and
    /// deleted when it is acknowledged; autovacuum visits a database about once a minute, and until then
    /// the dead rows of a busy group slow every take and acknowledgement (seen in the benchmark: each
    /// statement on the table several times slower after 200,000 deliveries).
    public var vacuumDeliveriesAfter: Int?

    /// Options for `primary` with every other setting at its default.
    public init(primary: PostgresURL, replica: PostgresURL? = nil, schema: String = "herald") {
        self.primary = primary
        self.replica = replica
        self.schema = schema
        self.maximumConnections = 16
        self.pollInterval = .seconds(1)
        self.confirmAcknowledgements = false
        self.shutdownGracePeriod = .seconds(30)
        self.connectTimeout = .seconds(10)
        self.vacuumDeliveriesAfter = 50_000
    }

    /// Whether `name` may be a schema name: it is put into SQL text as it is, so only plain identifiers.
    static func isValidSchema(_ name: String) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), name.utf8.count <= 40 else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
