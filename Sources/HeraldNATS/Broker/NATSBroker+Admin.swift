import Herald

extension NATSBroker: BrokerAdmin {
    // MARK: Settling by token

    /// Settles a delivery by its token: through the group's runtime in this process, which holds the
    /// delivery's ack subject. A delivery no runtime here holds (settled, expired, returned to the server,
    /// or handed out by another process) changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed, or when the server
    ///   does not confirm an acknowledgement.
    public func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws {
        if let runtime = runtime(topic: topic, group: group) {
            try await runtime.settle(token, settlement)
            return
        }
        _ = try await groupDescriptor(try await topicHandle(topic), group: group)
    }

    /// Restarts a delivery's ack deadline by its token (`+WPI` to the server); a delivery no runtime here
    /// holds changes nothing.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed, or when the server
    ///   does not confirm it.
    public func extendDeadline(_ token: DeliveryToken, topic: String, group: String) async throws {
        if let runtime = runtime(topic: topic, group: group) {
            try await runtime.extendDeadline(token)
            return
        }
        _ = try await groupDescriptor(try await topicHandle(topic), group: group)
    }

    // MARK: Pausing

    /// Refused: nats-server before 2.11 has no consumer pause, and a pause this process kept alone would
    /// not hold other processes' members of the group (nor survive a restart).
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, else
    ///   ``BrokerError/Code-swift.struct/unsupported``.
    public func pause(group: String, on topic: String) async throws {
        _ = try await groupDescriptor(try await topicHandle(topic), group: group)
        throw BrokerError.unsupported("pause a consumer group", reason: Self.pauseUnsupported)
    }

    /// Refused, as ``pause(group:on:)``.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or group, else
    ///   ``BrokerError/Code-swift.struct/unsupported``.
    public func resume(group: String, on topic: String) async throws {
        _ = try await groupDescriptor(try await topicHandle(topic), group: group)
        throw BrokerError.unsupported("resume a consumer group", reason: Self.pauseUnsupported)
    }

    private static let pauseUnsupported =
        "the NATS backend does not pause groups (JetStream has no consumer pause before nats-server 2.11); "
        + "stop the group's consumers instead, or use the embedded log or PostgreSQL"

    // MARK: Waiting until idle

    /// Waits until the named groups exist and have acknowledged every event of their topics (with `nil`,
    /// the groups this broker instance has subscribed), or `timeout` passes. The server announces no
    /// change of a consumer's position, so this asks for the groups' lag every 20 ms.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when the timeout passes.
    public func waitUntilIdle(groups: [GroupReference]? = nil, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let references = groups ?? localGroups()
            var pending: [String] = []
            for reference in references {
                do {
                    let lag = try await lag(group: reference.group, on: reference.topic)
                    if lag.partitions.contains(where: { $0.pending > 0 || $0.inFlight > 0 || $0.awaitingRedelivery > 0 }) {
                        pending.append(reference.description)
                    }
                } catch let error as BrokerError where error.isUnknownGroup || error.isUnknownTopic {
                    pending.append("\(reference) (not subscribed yet)")
                }
            }
            if pending.isEmpty { return }
            if ContinuousClock.now >= deadline {
                throw BrokerError.unavailable("still not idle after \(timeout); groups with unacknowledged events: \(pending.sorted())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: Admin

    /// A topic's configuration, retention (its limits and the streams' `max_age`) and partitions, from each
    /// partition stream's state (its bytes are the stream's).
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, or when the server cannot be asked.
    public func describeTopic(_ topic: String) async throws -> TopicDescription {
        let handle = try await topicHandle(topic)
        var partitions: [PartitionDescription] = []
        var maximumAge: Duration?
        for partition in 0..<handle.configuration.partitions {
            let info: StreamInfo
            do {
                info = try await jetStream.streamInfo(handle.streams[partition])
            } catch let error as JetStreamError where error.kind == .streamNotFound {
                throw BrokerError.unknownTopic(topic)
            } catch {
                throw brokerError(error, "reading stream '\(handle.streams[partition])'")
            }
            if let age = info.configuration.maximumAge, age > .zero { maximumAge = age }
            let state = info.state
            partitions.append(
                PartitionDescription(
                    partition: Partition(partition),
                    startOffset: Offset(Int64(max(state.firstSequence, 1)) - 1),
                    endOffset: Offset(Int64(state.lastSequence)),
                    events: Int64(state.messages),
                    bytes: Int64(state.bytes)
                )
            )
        }
        return TopicDescription(
            configuration: handle.configuration,
            retention: TopicRetention(handle.configuration, maximumAge: maximumAge),
            partitions: partitions
        )
    }

    /// The topic's consumer groups (its first partition stream's Herald consumers), with their lag and the
    /// members this broker instance has.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, or when the server cannot be asked.
    public func describeGroups(of topic: String) async throws -> [GroupDescription] {
        let handle = try await topicHandle(topic)
        let consumers: [ConsumerInfo]
        do {
            consumers = try await jetStream.consumers(stream: handle.streams[0])
        } catch {
            throw brokerError(error, "listing the consumers of stream '\(handle.streams[0])'")
        }
        var descriptions: [GroupDescription] = []
        for consumer in consumers {
            guard consumer.configuration.durableName != nil, let descriptor = GroupDescriptor(description: consumer.configuration.description) else {
                continue
            }
            let lag: GroupLag
            do {
                lag = try await self.lag(group: descriptor.group, on: topic)
            } catch let error as BrokerError where error.isUnknownGroup {
                continue  // deleted meanwhile
            }
            let members = runtime(topic: topic, group: descriptor.group)?.memberFigures ?? []
            descriptions.append(
                GroupDescription(
                    topic: topic,
                    group: descriptor.group,
                    options: SubscriptionOptions(
                        ackDeadline: descriptor.ackDeadline,
                        maximumDeliveries: descriptor.maximumDeliveries,
                        deadLetterTopic: descriptor.deadLetterTopic,
                        ordering: descriptor.isPerKey ? .perKey : .unordered
                    ),
                    members: members.map { GroupMemberDescription(id: $0.id, prefetch: $0.prefetch, inFlight: $0.inFlight, isDraining: $0.isDraining) },
                    lag: lag
                )
            )
        }
        return descriptions.sorted { $0.group < $1.group }
    }

    /// Deletes a topic: its partition streams (with their consumers) are deleted on the server and this
    /// process's subscriptions to it end.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, or when the server does not delete a stream.
    public func deleteTopic(_ topic: String) async throws {
        let handle = try await topicHandle(topic)
        for runtime in forgetTopic(topic) { await runtime.close() }
        for stream in handle.streams {
            do {
                try await jetStream.deleteStream(stream)
            } catch let error as JetStreamError where error.kind == .streamNotFound {
                continue
            } catch {
                throw brokerError(error, "deleting stream '\(stream)'")
            }
        }
    }
}
