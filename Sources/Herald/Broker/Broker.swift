import ServiceLifecycle

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
///
/// **Lifecycle**: a broker is a ServiceLifecycle `Service`. Run it in the `ServiceGroup` of the program
/// that uses it, before its consumers in the list of services (services shut down in reverse order, so its
/// consumers stop and settle first); ``close()`` is the one way to stop it outside a group.
public protocol Broker: Service, EventSink {
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

    /// Settles a delivery of `group` on `topic` by its token alone: what a consumer that holds only the
    /// token (an HTTP pull consumer in another process) settles with. A stale token (the delivery was
    /// settled, expired or made stale by a seek) changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or when the settlement cannot be recorded.
    func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws

    /// Restarts the ack deadline of a delivery of `group` on `topic` by its token (see
    /// ``Delivery/inProgress()``). A stale token changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, or when the backend cannot record it.
    func extendDeadline(_ token: DeliveryToken, topic: String, group: String) async throws

    /// Waits until the named groups exist and have acknowledged every event of their topics (with `nil`,
    /// every group the broker knows), or `timeout` passes. Events waiting for a delayed redelivery count as
    /// not yet acknowledged. What tests and the CLI wait on instead of polling lag.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when the timeout passes.
    func waitUntilIdle(groups: [GroupReference]?, timeout: Duration) async throws

    /// Stops the broker: subscriptions end, later calls fail with ``BrokerError/closed()``; a durable
    /// backend persists what it holds first. Safe to call more than once.
    ///
    /// - Throws: ``BrokerError`` or a storage error when something could not be persisted (the rest is
    ///   still closed).
    func close() async throws
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

    /// Waits until every group the broker knows is idle, for at most 10 seconds.
    ///
    /// - Throws: see ``Broker/waitUntilIdle(groups:timeout:)``.
    public func waitUntilIdle() async throws {
        try await waitUntilIdle(groups: nil, timeout: .seconds(10))
    }

    /// Joins a group with default options. - Throws: see ``Broker/subscribe(to:group:options:)``.
    public func subscribe(to topic: String, group: String) async throws -> Subscription {
        try await subscribe(to: topic, group: group, options: SubscriptionOptions())
    }
}
