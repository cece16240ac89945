/// What became of one event sent to an ``EventSink``.
public enum PublishOutcome: Sendable, Hashable {
    /// A broker stored the event (or recognised it as a duplicate); the receipt says where.
    case stored(PublishReceipt)
    /// The event was written to a transactional outbox as row `sequence`, for `topic`. It is published
    /// (by a relay) only if the transaction it was written in commits.
    case queued(topic: String, sequence: Int64)

    /// The broker's receipt, or `nil` for an event queued in an outbox.
    public var receipt: PublishReceipt? {
        guard case .stored(let receipt) = self else { return nil }
        return receipt
    }
}
