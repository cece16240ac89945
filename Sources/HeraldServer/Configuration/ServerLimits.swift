/// Bounds on what the server takes: request size, connections, and each token's rate and requests at once.
public struct ServerLimits: Sendable, Hashable {
    /// The largest request body read, in bytes; a larger one gets 413. Default 16 MiB.
    public var maximumBodyBytes: Int
    /// The most events one batch publish may carry; more gets 413. Default 10,000.
    public var maximumBatchEvents: Int
    /// Connections open at once; the server accepts no more until one closes (they wait in the listen
    /// backlog). Default 1,024.
    public var maximumConnections: Int
    /// Each token's rate and requests at once, unless its own entry sets them.
    public var perToken: TokenLimits

    /// Limits with the defaults stated on each property.
    public init(
        maximumBodyBytes: Int = 16 * 1024 * 1024, maximumBatchEvents: Int = 10_000, maximumConnections: Int = 1_024,
        perToken: TokenLimits = TokenLimits()
    ) {
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumBatchEvents = maximumBatchEvents
        self.maximumConnections = maximumConnections
        self.perToken = perToken
    }
}
