/// Bounds on what one request may ask of the server.
public struct ServerLimits: Sendable, Hashable {
    /// The largest request body read, in bytes; a larger one gets 413. Default 16 MiB.
    public var maximumBodyBytes: Int
    /// The most events one batch publish may carry; more gets 413. Default 10,000.
    public var maximumBatchEvents: Int

    /// Limits with the defaults stated on each property.
    public init(maximumBodyBytes: Int = 16 * 1024 * 1024, maximumBatchEvents: Int = 10_000) {
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumBatchEvents = maximumBatchEvents
    }
}
