/// A place events are published to and consumed from: partitioned topics, consumer groups,
/// at-least-once deliveries.
///
/// Every backend (in-memory, the embedded log, NATS JetStream, PostgreSQL) implements this protocol
/// and passes the conformance suite in `HeraldTesting`. The semantics all of them keep:
///
/// - **Order** is kept per partition; the partition is chosen from the event's partition key
///   (``Event/partitionKey``) with ``PartitionKeyHasher``, so events of one key stay in order.
/// - **Delivery** is at least once. Every group sees every event (fan-out); members of one group share
///   them (competing consumers).
/// - **De-duplication**: an event whose (`source`, `id`) was published to the topic within its window is
///   not stored again; its receipt says `isDuplicate` and carries the original's offset.
/// - **Dead letters**: an event rejected, or failed on its last allowed delivery, is published to the
///   group's dead-letter topic with the failure recorded (see ``DeadLetter``).
public protocol Broker: Sendable {
    /// Creates a topic, or does nothing if one with the same configuration exists.
    ///
    /// - Throws: ``BrokerError`` when the configuration is invalid or a different topic of that name exists.
    func createTopic(_ configuration: TopicConfiguration) async throws

    /// The configurations of all topics, sorted by name.
    func topics() async throws -> [TopicConfiguration]

    /// Publishes events to a topic, in order, and returns one receipt per event once stored.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, an oversize event or a full topic. A batch is
    ///   validated before anything is stored: either every event is stored (or recognised as a
    ///   duplicate) or none is.
    func publish(_ events: [Event], to topic: String) async throws -> [PublishReceipt]

    /// Joins consumer group `group` on `topic`, creating the group if needed.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or invalid options.
    func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Subscription

    /// Moves a group's position. In-flight deliveries of the group become stale.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group.
    func seek(group: String, on topic: String, to target: SeekTarget) async throws

    /// How far a group is behind, per partition.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group.
    func lag(group: String, on topic: String) async throws -> GroupLag

    /// Reads up to `limit` stored events of one partition from `offset` on, without a consumer group.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or partition.
    func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent]
}

extension Broker {
    /// Publishes one event and returns its receipt. - Throws: see ``Broker/publish(_:to:)``.
    @discardableResult
    public func publish(_ event: Event, to topic: String) async throws -> PublishReceipt {
        let receipts = try await publish([event], to: topic)
        guard let receipt = receipts.first else {
            throw BrokerError.unavailable("the broker returned no receipt for event '\(event.id)'")
        }
        return receipt
    }

    /// Joins a group with default options. - Throws: see ``Broker/subscribe(to:group:options:)``.
    public func subscribe(to topic: String, group: String) async throws -> Subscription {
        try await subscribe(to: topic, group: group, options: SubscriptionOptions())
    }
}
