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
    /// The event's partition key, kept for per-key ordering only (`nil` in the other modes).
    var key: String?
    /// Its failures, once it has failed: boxed, because most events never fail and the state of every
    /// dispatched event is copied at each step of a delivery.
    private var failures: FailureHistory?

    init(status: Status, attempts: Int, firstDeliveredAt: WallTime, key: String?) {
        self.status = status
        self.attempts = attempts
        self.firstDeliveredAt = firstDeliveredAt
        self.key = key
    }

    var firstFailureAt: WallTime? { failures?.first }
    var lastFailureAt: WallTime? { failures?.last }
    var lastFailure: DeliveryFailure? { failures?.failure }

    var isAcknowledged: Bool { status == .acknowledged }

    mutating func recordFailure(_ failure: DeliveryFailure, at date: WallTime) {
        failures = FailureHistory(first: failures?.first ?? date, last: date, failure: failure)
    }
}

/// When an event first and last failed, and the last failure.
final class FailureHistory: Sendable {
    let first: WallTime
    let last: WallTime
    let failure: DeliveryFailure

    init(first: WallTime, last: WallTime, failure: DeliveryFailure) {
        self.first = first
        self.last = last
        self.failure = failure
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
