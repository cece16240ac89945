import struct Foundation.Date

/// A topic whose consumer groups are kept by ``ConsumerGroupState``: what the brokers' shared admin logic
/// (idle checks, seek targets) needs of it. The in-memory topic and the embedded log's topic conform.
package protocol ConsumerGroupHost: AnyObject {
    associatedtype Records: PartitionRecords
    /// The topic's partitions, in order.
    var partitionRecords: [Records] { get }
    /// The group of that name, if it has subscribed.
    func group(_ name: String) -> ConsumerGroupState?
    /// The names of the topic's groups, sorted.
    var groupNames: [String] { get }
}

/// Shared admin logic of the brokers built on ``ConsumerGroupState``.
package enum ConsumerGroupAdmin {
    /// The topic and group an admin verb names.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic or a group that never subscribed to it.
    package static func lookup<Host: ConsumerGroupHost>(
        _ topics: [String: Host],
        topic: String,
        group: String
    ) throws(BrokerError) -> (topic: Host, group: ConsumerGroupState) {
        guard let topicState = topics[topic] else { throw .unknownTopic(topic) }
        guard let groupState = topicState.group(group) else {
            throw .unknownGroup(topic: topic, group: group)
        }
        return (topicState, groupState)
    }

    /// The groups among `wanted` (every group with `nil`) that have not acknowledged every event, named
    /// `topic/group`, and when the next redelivery or deadline among them falls due.
    package static func busyGroups<Host: ConsumerGroupHost>(
        in topics: [String: Host],
        among wanted: [GroupReference]?
    ) -> (pending: [String], wakeUp: ContinuousClock.Instant?) {
        let references = wanted ?? topics.flatMap { name, topic in topic.groupNames.map { GroupReference(topic: name, group: $0) } }
        var pending: [String] = []
        var wakeUp: ContinuousClock.Instant?
        for reference in references {
            guard let topic = topics[reference.topic], let group = topic.group(reference.group) else {
                pending.append("\(reference) (not subscribed yet)")
                continue
            }
            if !group.isCaughtUp(logs: topic.partitionRecords) {
                pending.append(reference.description)
                for partition in group.partitions {
                    if let next = partition.nextWakeUp?.instant { wakeUp = min(wakeUp ?? next, next) }
                }
            }
        }
        return (pending.sorted(), wakeUp)
    }

    /// Waits until `busy` reports nothing pending, waking on `signal` and whenever a redelivery falls due.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming the busy groups when `timeout` passes.
    package static func waitUntilIdle(
        timeout: Duration,
        signal: AsyncSignal,
        busy: () -> (pending: [String], wakeUp: ContinuousClock.Instant?)
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (pending, wakeUp) = busy()
            if pending.isEmpty { return }
            if ContinuousClock.now >= deadline {
                throw BrokerError.unavailable("still not idle after \(timeout); groups with unacknowledged events: \(pending)")
            }
            try Task.checkCancellation()
            await signal.wait(until: min(deadline, wakeUp ?? deadline))
        }
    }

    /// The per-partition offsets a seek target resolves to, clamped to what each partition holds;
    /// `firstOffset(partition, date)` finds a partition's first offset stored at or after a time.
    package static func targets<Host: ConsumerGroupHost>(
        of target: SeekTarget,
        in topic: Host,
        for group: ConsumerGroupState,
        firstOffset: (Int, Date) -> Offset
    ) -> [Offset] {
        topic.partitionRecords.enumerated().map { index, partition in
            let wanted: Offset
            switch target {
            case .earliest: wanted = partition.startOffset
            case .latest: wanted = partition.endOffset
            case .offset(let offset): wanted = offset
            case .offsets(let offsets): wanted = offsets[Partition(index)] ?? group.partitions[index].acknowledgedFloor
            case .time(let date): wanted = firstOffset(index, date)
            }
            return min(max(wanted, partition.startOffset), partition.endOffset)
        }
    }
}
