/// What one consumer group knows of one dispatched event of a partition.
struct RecordState {
    enum Status: Equatable {
        /// Handed to `subscriber` as delivery `deliveryID`, to be settled before `deadline`.
        case inFlight(deliveryID: UInt64, subscriber: UInt64, deadline: Moment)
        /// Waiting to be handed out again at `due`.
        case awaitingRedelivery(due: Moment)
        /// Handled (or dead-lettered): never handed out again.
        case acknowledged
    }

    var status: Status
    /// Deliveries so far.
    var attempts: Int
    var firstDeliveredAt: WallTime
    var firstFailureAt: WallTime?
    var lastFailureAt: WallTime?
    var lastFailure: DeliveryFailure?
    /// The event's partition key, kept for per-key ordering.
    var key: String?

    var isAcknowledged: Bool { status == .acknowledged }

    mutating func recordFailure(_ failure: DeliveryFailure, at date: WallTime) {
        if firstFailureAt == nil { firstFailureAt = date }
        lastFailureAt = date
        lastFailure = failure
    }
}

/// An event waiting for redelivery, ordered by when it is due and then by offset.
struct RedeliveryItem: Comparable {
    var due: Moment
    var offset: Offset

    static func < (lhs: RedeliveryItem, rhs: RedeliveryItem) -> Bool {
        (lhs.due, lhs.offset) < (rhs.due, rhs.offset)
    }
}
