import struct Foundation.Date

/// One attempt to hand an event to a consumer group.
///
/// Settle every delivery exactly once with ``ack()``, ``nack(retryAfter:failure:)`` or
/// ``reject(failure:)``. A delivery left unsettled past the group's ack deadline is handed out again;
/// call ``inProgress()`` to keep it while a long handler runs. Delivery is at least once: the same event
/// may arrive again, with a higher ``attempt``.
public struct Delivery: Sendable {
    /// The event.
    public let event: Event
    /// The topic it was read from.
    public let topic: String
    /// The consumer group it was delivered to.
    public let group: String
    /// Its partition.
    public let partition: Partition
    /// Its offset in the partition.
    public let offset: Offset
    /// Which delivery of this event to this group this is: 1 for the first.
    public let attempt: Int
    /// When this event was first delivered to this group.
    public var firstDeliveredAt: Date { firstDelivered.date }
    /// When the broker stored the event (its ingest time, apart from the producer's `event.time`).
    public var storedAt: Date { stored.date }
    // Times kept as values of compile-time layout (see `Moment`): deliveries are copied often.
    private let firstDelivered: WallTime
    private let stored: WallTime
    /// Identifies the delivery to its broker.
    public let token: DeliveryToken
    /// What its verbs call (a consumer's context puts its own in front, so that every path settles once).
    package let acknowledger: any DeliveryAcknowledger

    /// Creates a delivery. Brokers call this; consumers receive deliveries.
    public init(
        event: Event,
        topic: String,
        group: String,
        partition: Partition,
        offset: Offset,
        attempt: Int,
        firstDeliveredAt: Date,
        storedAt: Date,
        token: DeliveryToken,
        acknowledger: any DeliveryAcknowledger
    ) {
        self.event = event
        self.topic = topic
        self.group = group
        self.partition = partition
        self.offset = offset
        self.attempt = attempt
        self.firstDelivered = WallTime(firstDeliveredAt)
        self.stored = WallTime(storedAt)
        self.token = token
        self.acknowledger = acknowledger
    }

    /// Marks the event handled. - Throws: ``BrokerError`` when the broker cannot record it.
    public func ack() async throws {
        try await acknowledger.settle(token, .ack)
    }

    /// Asks for the event again after `retryAfter` (default at once). Past the group's maximum deliveries
    /// the event goes to dead letters with `failure` recorded. - Throws: ``BrokerError``.
    public func nack(retryAfter: Duration = .zero, failure: DeliveryFailure? = nil) async throws {
        try await acknowledger.settle(token, .nack(retryAfter: retryAfter, failure: failure))
    }

    /// Sends the event straight to the group's dead-letter topic with `failure` recorded.
    /// - Throws: ``BrokerError``.
    public func reject(failure: DeliveryFailure) async throws {
        try await acknowledger.settle(token, .reject(failure: failure))
    }

    /// Sends the event straight to dead letters, recording `reason`. - Throws: ``BrokerError``.
    public func reject(reason: String) async throws {
        try await reject(failure: DeliveryFailure(errorType: "Rejected", message: reason))
    }

    /// Restarts the ack deadline while a long handler runs. - Throws: ``BrokerError``.
    public func inProgress() async throws {
        try await acknowledger.extendDeadline(token)
    }

    /// Acknowledges several deliveries: those of one subscription in one step where the backend can (the
    /// embedded log, the in-memory broker, PostgreSQL and NATS JetStream do), the rest one by one.
    ///
    /// - Throws: ``BrokerError`` when the broker cannot record an acknowledgement; the deliveries before
    ///   the failing step are acknowledged.
    public static func ack(_ deliveries: [Delivery]) async throws {
        var start = deliveries.startIndex
        while start < deliveries.endIndex {
            let acknowledger = deliveries[start].acknowledger
            var end = start + 1
            if let identity = acknowledger.batchIdentity {
                while end < deliveries.endIndex, deliveries[end].acknowledger.batchIdentity == identity {
                    end += 1
                }
            }
            try await acknowledger.settle(deliveries[start..<end], .ack)
            start = end
        }
    }

    /// The same delivery, settled through `acknowledger`.
    func settled(through acknowledger: any DeliveryAcknowledger) -> Delivery {
        Delivery(
            event: event, topic: topic, group: group, partition: partition, offset: offset, attempt: attempt, firstDeliveredAt: firstDeliveredAt,
            storedAt: storedAt, token: token, acknowledger: acknowledger
        )
    }

    /// Settles with an explicit ``Settlement``. - Throws: ``BrokerError``.
    public func settle(_ settlement: Settlement) async throws {
        try await acknowledger.settle(token, settlement)
    }
}
