import Herald

/// What happened to one delivery inside a consumer run by a ``TestHarness``.
public struct HandledRecord: Sendable, Hashable {
    /// How the handler chain ended.
    public enum Outcome: Sendable, Hashable {
        /// The chain returned without settling: the consumer acknowledged it.
        case acknowledged
        /// Middleware settled it (an ack of a stopped duplicate, a nack, a reject).
        case settled(Settlement)
        /// The chain threw and nothing settled it: released for redelivery.
        case failed(DeliveryFailure)
    }

    /// The consumer group.
    public var group: String
    /// The topic.
    public var topic: String
    /// The event.
    public var event: Event
    /// The delivery attempt.
    public var attempt: Int
    /// How it ended.
    public var outcome: Outcome
}
