/// What an operator and a network server need of a broker beyond publishing and consuming: what a topic
/// holds, which groups read it and how far behind they are, deleting a topic, and reading a group's dead
/// letters. Every Herald backend implements it and the conformance suite checks it.
public protocol BrokerAdmin: Broker {
    /// A topic's configuration, retention and partitions with their offsets and sizes.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic.
    func describeTopic(_ topic: String) async throws -> TopicDescription

    /// The consumer groups of a topic, sorted by name, with their members and lag.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic.
    func describeGroups(of topic: String) async throws -> [GroupDescription]

    /// Deletes a topic with its events and its groups' positions. Subscriptions to it end; later calls
    /// naming it fail with ``BrokerError/unknownTopic(_:)`` until it is created again. Its groups'
    /// dead-letter topics are topics of their own and stay.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or when the backend cannot delete it.
    func deleteTopic(_ topic: String) async throws

    /// Pauses a consumer group: it hands out no delivery, new or redelivered, until ``resume(group:on:)``,
    /// however many members it has. Deliveries already out may still be settled, and their ack deadlines
    /// still expire (the events wait for the resume). A durable backend keeps the pause across restarts.
    /// Pausing a paused group changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed, or
    ///   ``BrokerError/Code-swift.struct/unsupported`` when the backend cannot pause a group.
    func pause(group: String, on topic: String) async throws

    /// Resumes a paused group: its members get deliveries again at once. Resuming a group that is not
    /// paused changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed, or
    ///   ``BrokerError/Code-swift.struct/unsupported`` when the backend cannot pause a group.
    func resume(group: String, on topic: String) async throws

    /// Where the event at `offset` of `partition` stands in `group` (in flight to which member and until
    /// when, waiting for redelivery, acknowledged, not delivered yet, with its attempts and last failure);
    /// `nil` from a backend that does not track single deliveries (NATS JetStream and PostgreSQL answer
    /// with counts per partition only).
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group.
    func deliveryState(group: String, on topic: String, partition: Partition, offset: Offset) async throws -> DeliveryState?
}

extension BrokerAdmin {
    /// `nil`: the backend does not track single deliveries (the default).
    public func deliveryState(group: String, on topic: String, partition: Partition, offset: Offset) async throws -> DeliveryState? {
        nil
    }

    /// One consumer group of a topic.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, or ``BrokerError/unknownGroup(topic:group:)`` for a
    ///   group that never subscribed.
    public func describeGroup(_ group: String, on topic: String) async throws -> GroupDescription {
        guard let description = try await describeGroups(of: topic).first(where: { $0.group == group }) else {
            throw BrokerError.unknownGroup(topic: topic, group: group)
        }
        return description
    }

    /// The dead letters of `group` on `topic`: where its dead-letter topic stands, or `nil` when the group
    /// has dead-lettered nothing yet (the topic is created with the first).
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group.
    public func describeDeadLetters(group: String, on topic: String) async throws -> TopicDescription? {
        let description = try await describeGroup(group, on: topic)
        do {
            return try await describeTopic(description.deadLetterTopic)
        } catch let error as BrokerError where error.isUnknownTopic {
            return nil
        }
    }

    /// Reads up to `limit` dead letters of `group` on `topic` from one partition of its dead-letter topic,
    /// from `offset` on; empty when the group has dead-lettered nothing there.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, or a partition the dead-letter topic lacks.
    public func readDeadLetters(
        group: String,
        on topic: String,
        partition: Partition = 0,
        from offset: Offset = 0,
        limit: Int = 100
    ) async throws -> [StoredDeadLetter] {
        let description = try await describeGroup(group, on: topic)
        let stored: [StoredEvent]
        do {
            stored = try await read(topic: description.deadLetterTopic, partition: partition, from: offset, limit: limit)
        } catch let error as BrokerError where error.isUnknownTopic {
            return []
        }
        return stored.map(StoredDeadLetter.init)
    }
}
