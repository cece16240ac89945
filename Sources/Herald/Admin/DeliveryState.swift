import struct Foundation.Date

/// Where one stored event stands in one consumer group: in flight to a member until a deadline, waiting
/// to be delivered again, acknowledged, or not delivered yet — with its attempts and its last failure.
public struct DeliveryState: Sendable, Hashable {
    /// Where it stands.
    public enum Status: Sendable, Hashable {
        /// Handed to the group's member `member`, to be settled before `deadline`.
        case inFlight(member: UInt64, deadline: Date)
        /// Waiting to be handed out again at `due` (after a nack or an expired deadline).
        case awaitingRedelivery(due: Date)
        /// Acknowledged: handled, or dead-lettered (the dead-letter topic holds it then).
        case acknowledged
        /// Not handed out yet.
        case notDelivered
    }

    /// Where it stands.
    public var status: Status
    /// Deliveries so far (0 when it was not delivered, or when the group no longer remembers it).
    public var attempts: Int
    /// The last failure recorded for it, if any.
    public var lastFailure: DeliveryFailure?
    /// When it last failed.
    public var lastFailureAt: Date?

    /// A state.
    public init(status: Status, attempts: Int, lastFailure: DeliveryFailure? = nil, lastFailureAt: Date? = nil) {
        self.status = status
        self.attempts = attempts
        self.lastFailure = lastFailure
        self.lastFailureAt = lastFailureAt
    }
}
