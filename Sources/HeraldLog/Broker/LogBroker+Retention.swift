import Herald
import Logging
import Metrics
import Synchronization

import struct Foundation.Date

/// Retention: making room under the topic limits and dropping events by age.
extension LogBroker {
    func applyAgeRetention(_ topic: LogTopic, age: Duration) {
        let cutoff = Int64((time.date.secondsSince1970 * 1_000)) - age.milliseconds
        // Under this topic's lock only: its file work holds up nothing of another topic's.
        topic.withLock {
            for partition in topic.partitions {
                // The oldest sealed segments whose newest event is older than the cutoff, stopping at the
                // first that is not, or whose timestamps are not known for certain (damaged): when in doubt
                // the data is kept.
                let target = partition.writer.partition.withLock { store -> Offset? in
                    store.segments.dropLast().prefix { segment in
                        guard segment.damages.isEmpty, let newest = segment.index.maxTimestamp else { return false }
                        return newest < cutoff
                    }.last?.nextOffset
                }
                if let target { advanceStart(topic, partition, to: target) }
            }
        }
    }

    /// Moves a partition's start forward (under its topic's lock); groups behind it move too.
    func advanceStart(_ topic: LogTopic, _ partition: LogPartition, to offset: Offset) {
        do {
            try partition.advanceStart(to: offset)
        } catch {
            logger.error("retention could not advance the partition start", metadata: [LogKey.topic: "\(topic.name)", LogKey.error: "\(error)"])
            return
        }
        for (group, missed) in topic.groups.retentionRemoved(partition: partition.index.index, below: offset) {
            Counter(label: "herald_group_missed_events_total", dimensions: [("topic", topic.name), ("group", group)])
                .increment(by: missed)
            logger.warning(
                "retention removed events the group had not acknowledged; the group moved to the earliest retained event",
                metadata: [
                    LogKey.topic: "\(topic.name)", LogKey.group: "\(group)", LogKey.partition: "\(partition.index.index)",
                    "herald.missed": "\(missed)",
                ]
            )
        }
    }

    /// Applies the topic's event limit: first events every group acknowledged, then the overflow policy.
    func makeRoom(_ topic: LogTopic, events: Int) throws(BrokerError) {
        let limit = Int64(topic.configuration.maximumEvents)
        guard topic.eventCount + Int64(events) > limit else { return }
        if Int64(events) > limit {
            throw .topicFull(topic.name, limit: "\(limit) events; the batch alone holds \(events)")
        }
        for partition in topic.partitions {
            if let floor = topic.acknowledgedByAll(partition.index.index), floor > partition.startOffset {
                let excess = topic.eventCount + Int64(events) - limit
                guard excess > 0 else { break }
                let target = Offset(min(floor.value, partition.startOffset.value + excess))
                advanceStart(topic, partition, to: target)
            }
        }
        guard topic.eventCount + Int64(events) > limit else { return }
        guard topic.configuration.overflowPolicy == .dropOldest else {
            throw .topicFull(topic.name, limit: "\(limit) events; it holds \(topic.eventCount)")
        }
        while topic.eventCount + Int64(events) > limit {
            // The partition whose oldest event was stored first.
            let candidates = topic.partitions.filter { $0.startOffset < $0.endOffset }
            guard
                let oldest = candidates.min(by: {
                    ($0.record(at: $0.startOffset)?.storedAt ?? .distantFuture) < ($1.record(at: $1.startOffset)?.storedAt ?? .distantFuture)
                })
            else { break }
            advanceStart(topic, oldest, to: oldest.startOffset.next)
        }
    }

    /// Applies the topic's byte limit to the bytes on disk (payloads plus envelope and batch overhead), a
    /// whole segment at a time: first segments every group acknowledged, then the overflow policy.
    func makeRoom(_ topic: LogTopic, bytes incoming: Int64) throws(BrokerError) {
        let limit = Int64(topic.configuration.maximumBytes)
        func fits() -> Bool { topic.storedBytes + incoming <= limit }
        guard !fits() else { return }
        if incoming > limit {
            throw .topicFull(topic.name, limit: "\(limit) bytes; the batch alone holds \(incoming)")
        }
        for partition in topic.partitions where !fits() {
            if let floor = topic.acknowledgedByAll(partition.index.index), let end = partition.oldestSegmentEnd, end <= floor {
                advanceStart(topic, partition, to: end)
            }
        }
        guard !fits() else { return }
        guard topic.configuration.overflowPolicy == .dropOldest else {
            throw .topicFull(topic.name, limit: "\(limit) bytes on disk; it holds \(topic.storedBytes)")
        }
        while !fits() {
            guard let oldest = topic.partitions.compactMap({ partition in partition.oldestSegmentEnd.map { (partition, $0) } }).first else { break }
            advanceStart(topic, oldest.0, to: oldest.1)
        }
    }
}
