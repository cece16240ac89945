/// How an ``OutboxRelay`` works.
public struct OutboxRelayOptions: Sendable, Hashable {
    /// The most rows read and published at a time; default 500.
    public var batchSize: Int
    /// How long the relay waits for a notification before it looks at the outbox anyway; default 1 second.
    /// Writers notify relays when they commit, so this only bounds the delay of a lost notification.
    public var pollInterval: Duration
    /// The most slots this relay locks (of ``PostgresOutbox/slotCount``); default all. With several relays
    /// running, a lower figure shares the slots among them; a relay holding none is a standby that takes
    /// slots over when their relay stops.
    public var maximumSlots: Int
    /// The wait before a slot whose publish failed is tried again, doubled on each further failure up to
    /// ``maximumRetryDelay``; default 200 milliseconds.
    public var retryDelay: Duration
    /// The longest wait between attempts of a failing slot; default 30 seconds.
    public var maximumRetryDelay: Duration

    /// Creates options; see each property for its default.
    public init(
        batchSize: Int = 500, pollInterval: Duration = .seconds(1), maximumSlots: Int = PostgresOutbox.slotCount,
        retryDelay: Duration = .milliseconds(200), maximumRetryDelay: Duration = .seconds(30)
    ) {
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.maximumSlots = maximumSlots
        self.retryDelay = retryDelay
        self.maximumRetryDelay = maximumRetryDelay
    }
}
