/// How a consumer group receives a topic's events. ``prefetch`` belongs to each subscriber; the other
/// settings belong to the group: its first subscriber sets them and later subscribers share them.
public struct SubscriptionOptions: Sendable, Hashable {
    /// Where a group that has no position yet starts.
    public enum StartPosition: Sendable, Hashable {
        /// From the oldest event the topic holds (the default: nothing published before the group
        /// existed is silently skipped).
        case earliest
        /// From the next event published.
        case latest
    }

    /// The order in which a group's events are handed out.
    public enum Ordering: Sendable, Hashable {
        /// Events of a partition are handed out in offset order, but a redelivered event may be handled
        /// after a later event of the same key. The most parallel mode.
        case unordered
        /// An event is not handed out while an earlier event of the same partition key is unacknowledged
        /// (in flight or waiting for redelivery) in this group. Different keys still run in parallel.
        case perKey
    }

    /// The most unacknowledged deliveries one subscriber holds at a time. Default 64. The broker hands
    /// out no more until some are settled: this is the subscriber's bounded buffer.
    public var prefetch: Int
    /// How long a delivery may stay unsettled before the broker hands it out again. Default 30 seconds;
    /// `Delivery/inProgress()` restarts the clock.
    public var ackDeadline: Duration
    /// The most times an event is delivered to the group; when a delivery fails after the last, the event
    /// goes to the dead-letter topic with its failure recorded. Default 5.
    public var maximumDeliveries: Int
    /// The group's dead-letter topic. Default `nil`: `<topic>.<group>.deadletter`, created on demand with
    /// the origin topic's partition count.
    public var deadLetterTopic: String?
    /// Where a new group starts. Default ``StartPosition/earliest``.
    public var startPosition: StartPosition
    /// The delivery order. Default ``Ordering/unordered``.
    public var ordering: Ordering

    /// Creates options with the defaults stated on each property.
    public init(
        prefetch: Int = 64,
        ackDeadline: Duration = .seconds(30),
        maximumDeliveries: Int = 5,
        deadLetterTopic: String? = nil,
        startPosition: StartPosition = .earliest,
        ordering: Ordering = .unordered
    ) {
        self.prefetch = prefetch
        self.ackDeadline = ackDeadline
        self.maximumDeliveries = maximumDeliveries
        self.deadLetterTopic = deadLetterTopic
        self.startPosition = startPosition
        self.ordering = ordering
    }

    /// The dead-letter topic of `group` on `topic` under these options.
    public func deadLetterTopic(for topic: String, group: String) -> String {
        deadLetterTopic ?? "\(topic).\(group).deadletter"
    }

    /// Checks every value.
    ///
    /// - Throws: ``BrokerError/invalidSubscription(topic:group:reason:)`` naming the setting.
    public func validate(topic: String, group: String) throws(BrokerError) {
        if prefetch < 1 || prefetch > 1_000_000 {
            throw .invalidSubscription(topic: topic, group: group, reason: "prefetch \(prefetch) must be between 1 and 1,000,000")
        }
        if ackDeadline <= .zero {
            throw .invalidSubscription(topic: topic, group: group, reason: "ackDeadline \(ackDeadline) must be positive")
        }
        if maximumDeliveries < 1 {
            throw .invalidSubscription(topic: topic, group: group, reason: "maximumDeliveries \(maximumDeliveries) must be at least 1")
        }
        try ConsumerGroupName.validate(group)
        if let deadLetterTopic {
            try TopicName.validate(deadLetterTopic)
        }
    }
}
