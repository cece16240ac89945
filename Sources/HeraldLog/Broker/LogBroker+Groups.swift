import Herald
import Logging
import NIOPosix
import Synchronization

/// Consumer groups: the coordinator's hooks, cache loads, settling by token.
extension LogBroker {
    // MARK: Consumer groups

    /// The open topic `name`. - Throws: ``BrokerError`` for a topic the log does not have or has quarantined.
    func topic(_ name: String) throws(BrokerError) -> LogTopic {
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics[name] else { throw state.missingTopic(name) }
            return topicState
        }
    }

    /// Runs `body` with the topic under the topic's own lock. - Throws: ``BrokerError`` for a topic the log
    /// does not have or has quarantined.
    package func withGroupTopic<Result: Sendable>(_ name: String, _ body: @Sendable (LogTopic) throws(BrokerError) -> Result) throws(BrokerError) -> Result {
        let topicState = try topic(name)
        return try topicState.withLock { () throws(BrokerError) in try body(topicState) }
    }

    /// Members keep their topic, so their takes and acknowledgements take its lock alone.
    package func memberHandle(for topic: LogTopic) -> (any AnyObject & Sendable)? { topic }

    /// Runs `body` with the member's topic under the topic's lock, found through the member's handle (a
    /// deleted topic's member reaches the deleted topic, whose groups are closed).
    package func withMemberTopic<Result: Sendable>(
        _ member: GroupMember,
        _ body: @Sendable (LogTopic) throws(BrokerError) -> Result
    ) throws(BrokerError) -> Result {
        guard let topicState = member.topicHandle as? LogTopic else { return try withGroupTopic(member.topic, body) }
        return try topicState.withLock { () throws(BrokerError) in try body(topicState) }
    }

    /// The names of the open topics.
    package func groupTopicNames() -> [String] {
        state.withLock { state in Array(state.topics.keys) }
    }

    /// Where dead-letter failures are logged.
    package var groupLogger: Logger { logger }

    /// A group whose checkpoint is quarantined may not join until it is repaired.
    package func admit(group: String, to topic: LogTopic) throws(BrokerError) {
        if let quarantine = topic.quarantinedGroups[group] { throw Self.quarantinedGroupError(quarantine) }
    }

    /// The loads of events a take found not cached, to start on the I/O threads once the lock is left (the
    /// member is woken once they are in).
    package func workAfterTake(in topic: LogTopic, name: String) -> (@Sendable () -> Void)? {
        let loads = PendingLoads(loads: topic.partitions.compactMap { partition in partition.takeLoadRequest().map { (partition, $0) } })
        guard !loads.loads.isEmpty else { return nil }
        return { [self] in
            for (partition, request) in loads.loads {
                startLoad(request, into: partition, of: topic)
            }
        }
    }

    /// Joins a consumer group. - Throws: ``BrokerError``.
    public func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Subscription {
        try joinGroup(topic: topic, group: group, options: options)
    }

    /// Runs a cache load on an I/O thread without waiting for it: it installs what it read under the lock
    /// and wakes the topic's consumers. A consumer with work keeps going meanwhile (a load ahead of its
    /// position overlaps with its handling); one without waits for the wake-up.
    func startLoad(_ request: LoadRequest, into partition: LogPartition, of topic: LogTopic) {
        let box = LoadTarget(broker: self, partition: partition, topic: topic)
        threadPool.submit { state in
            let result: Result<[StoredEvent], StorageError>
            if case .active = state {
                result = request.run()
            } else {
                // The I/O threads are stopping: the broker is closing.
                result = .failure(.closed(path: request.reader.directory))
            }
            box.finish(request, result: result)
        }
    }

    /// Installs a finished load under its topic's lock (on the I/O thread that ran it).
    func finishLoad(_ request: LoadRequest, result: Result<[StoredEvent], StorageError>, partition: LogPartition, topic: LogTopic) {
        topic.withLock {
            partition.finishLoad(request, result: result)
            topic.groups.wakeAll()
        }
    }

    /// Settles a delivery by its token. - Throws: ``BrokerError`` for an unknown topic or group.
    public func settle(_ token: DeliveryToken, _ settlement: Settlement, topic: String, group: String) async throws {
        try await coordinatedSettle(token, settlement, topic: topic, group: group)
    }

    /// Restarts a delivery's ack deadline by its token. - Throws: ``BrokerError`` for an unknown topic or group.
    public func extendDeadline(_ token: DeliveryToken, topic: String, group: String) throws(BrokerError) {
        try coordinatedExtendDeadline(token, topic: topic, group: group)
    }

    /// Moves a group's position. - Throws: ``BrokerError`` for an unknown topic or group.
    public func seek(group: String, on topic: String, to target: SeekTarget) async throws {
        try seekGroup(group, on: topic, to: target)
    }

    /// Pauses a group until resumed; the pause is in the group's checkpoint, written before this returns,
    /// so it holds across a restart. - Throws: ``BrokerError`` for an unknown topic or group, ``StorageError``
    /// when the checkpoint cannot be written (the group is paused in this process all the same).
    public func pause(group: String, on topic: String) async throws {
        try await setPausedDurably(true, group: group, on: topic)
    }

    /// Resumes a paused group, in its checkpoint too. - Throws: as ``pause(group:on:)``.
    public func resume(group: String, on topic: String) async throws {
        try await setPausedDurably(false, group: group, on: topic)
    }

    private func setPausedDurably(_ paused: Bool, group: String, on topic: String) async throws {
        try setGroupPaused(paused, group: group, on: topic)
        let topicState = try self.topic(topic)
        let checkpointer = checkpointer
        try await onIOThread { try checkpointer.checkpoint([topicState], all: false) }
    }

    /// A group's lag per partition. - Throws: ``BrokerError`` for an unknown topic or group.
    public func lag(group: String, on topic: String) async throws -> GroupLag {
        try groupLag(group, on: topic)
    }

    /// Reads stored events of one partition (on the I/O threads). - Throws: ``BrokerError``, ``StorageError``.
    public func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent] {
        let topicState = try self.topic(topic)
        guard topicState.partitions.indices.contains(partition.index) else {
            throw BrokerError.unknownPartition(topic: topic, partition: partition, partitions: topicState.partitions.count)
        }
        // The bounds under the topic's lock; the file reads off it, on an I/O thread.
        let range = topicState.withLock { topicState.partitions[partition.index].readRange }
        return try await onIOThread {
            try range.reader.read(from: max(offset, range.start), before: range.end, limit: limit, maximumBytes: .max)
        }
    }

    /// Waits until the named groups (or all, with `nil`) have acknowledged every event of their topics.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when `timeout` passes.
    public func waitUntilIdle(groups: [GroupReference]? = nil, timeout: Duration = .seconds(10)) async throws {
        try await waitUntilGroupsIdle(groups, timeout: timeout)
    }
}

/// Where a load started by ``LogBroker`` goes once it has run.
///
/// `@unchecked Sendable` is safe: the partition it carries is only touched under its topic's lock (in
/// ``LogBroker/finishLoad(_:result:partition:topic:)``), like every other access to it.
struct LoadTarget: @unchecked Sendable {
    let broker: LogBroker
    let partition: LogPartition
    let topic: LogTopic

    func finish(_ request: LoadRequest, result: Result<[StoredEvent], StorageError>) {
        broker.finishLoad(request, result: result, partition: partition, topic: topic)
    }
}

/// Loads a take found, carried to the work that starts them after the lock.
///
/// `@unchecked Sendable` is safe: the partitions it carries are only touched under their topic's lock (the
/// load's result is installed in ``LogBroker/finishLoad(_:result:partition:topic:)``); the work that starts
/// the loads only hands them to the I/O threads.
struct PendingLoads: @unchecked Sendable {
    let loads: [(LogPartition, LoadRequest)]
}
