import Herald
import Logging
import Metrics
import Synchronization

/// Retention: the topic's ``RetentionPolicy`` decides under the topic's lock, the plan is applied there in
/// memory, and the file work runs after the lock is left (``retireFiles(of:)``).
extension LogBroker {
    /// Drops the sealed segments whose newest event is older than `age`, then deletes their files.
    func applyAgeRetention(_ topic: LogTopic, age: Duration) {
        let cutoff = Int64((time.date.secondsSince1970 * 1_000)) - age.milliseconds
        topic.withLock {
            apply(RetentionPolicy.expired(before: cutoff, in: topic.retentionViews), to: topic)
        }
        retireFiles(of: topic)
    }

    /// Makes room for a publish of `events` events and `bytes` bytes under the topic's lock. Returns whether
    /// it left file work for ``retireFiles(of:)``.
    ///
    /// - Throws: ``BrokerError/topicFull(_:limit:)`` when the publish cannot fit (nothing moved).
    func makeRoom(_ topic: LogTopic, events: Int, bytes: Int64) throws(BrokerError) -> Bool {
        let policy = topic.retentionPolicy
        guard !policy.fits(events: Int64(events), bytes: bytes, heldEvents: topic.eventCount, heldBytes: topic.storedBytes) else { return false }
        let plan = try policy.room(forEvents: Int64(events), bytes: bytes, in: topic.retentionViews) { partition, offset in
            topic.partitions[partition].ingestTime(at: offset)
        }
        apply(plan, to: topic)
        return !plan.isEmpty
    }

    /// Applies a plan in memory, under the topic's lock: the partitions' starts move, and groups behind a
    /// new start move with it (counted and logged as missed events).
    func apply(_ plan: RetentionPlan, to topic: LogTopic) {
        for (index, offset) in plan.starts.sorted(by: { $0.key < $1.key }) {
            topic.partitions[index].retire(below: offset)
            for (group, missed) in topic.groups.retentionRemoved(partition: index, below: offset) {
                Counter(label: "herald_group_missed_events_total", dimensions: [("topic", topic.name), ("group", group)])
                    .increment(by: missed)
                logger.warning(
                    "retention removed events the group had not acknowledged; the group moved to the earliest retained event",
                    metadata: [
                        LogKey.topic: "\(topic.name)", LogKey.group: "\(group)", LogKey.partition: "\(index)",
                        "herald.missed": "\(missed)",
                    ]
                )
            }
        }
    }

    /// Does the file work retention left on `topic` (start files, segment deletions), holding none of the
    /// locks a publish, a take or a commit needs. What fails is logged and tried again at the next call
    /// (maintenance calls it every round). Runs on the calling thread: an I/O thread.
    func retireFiles(of topic: LogTopic) {
        topic.retirementFiles.withLock { _ in
            for partition in topic.partitions {
                while let work = topic.withLock({ topic.isDeleted ? nil : partition.takeRetirement() }) {
                    let (left, failure) = partition.perform(work)
                    guard let failure else { continue }
                    topic.withLock { partition.returnRetirement(left) }
                    logger.error(
                        "retention could not persist a partition's new start or delete its old segments; it is tried again",
                        metadata: [LogKey.topic: "\(topic.name)", LogKey.partition: "\(partition.index.index)", LogKey.error: "\(failure)"]
                    )
                    break
                }
            }
        }
    }
}
