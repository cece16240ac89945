import Herald
import Logging
import Metrics
import Synchronization

/// Retention on one topic: its ``RetentionPolicy`` decides under the topic's lock, the plan is applied there
/// in memory, and the file work runs after the lock is left (``retireFiles(logger:)``).
extension LogTopic {
    /// Drops the sealed segments whose newest event was stored before `cutoff` (milliseconds since 1970),
    /// then deletes their files. Takes the lock; call it on an I/O thread.
    func retireExpired(before cutoff: Int64, logger: Logger) {
        withLock {
            applyRetention(RetentionPolicy.expired(before: cutoff, in: retentionViews), logger: logger)
        }
        retireFiles(logger: logger)
    }

    /// Makes room for a publish of `events` events and `bytes` bytes, under the lock. Returns whether it
    /// left file work for ``retireFiles(logger:)``.
    ///
    /// - Throws: ``BrokerError/topicFull(_:limit:)`` when the publish cannot fit (nothing moved).
    func makeRoom(events: Int, bytes: Int64, logger: Logger) throws(BrokerError) -> Bool {
        guard !retentionPolicy.fits(events: Int64(events), bytes: bytes, heldEvents: eventCount, heldBytes: storedBytes) else { return false }
        let plan = try retentionPolicy.room(forEvents: Int64(events), bytes: bytes, in: retentionViews) { partition, offset in
            partitions[partition].ingestTime(at: offset)
        }
        applyRetention(plan, logger: logger)
        return !plan.isEmpty
    }

    /// Applies a plan in memory, under the lock: the partitions' starts move, and groups behind a new start
    /// move with it (counted and logged as missed events).
    func applyRetention(_ plan: RetentionPlan, logger: Logger) {
        for (index, offset) in plan.starts.sorted(by: { $0.key < $1.key }) {
            partitions[index].retire(below: offset)
            for (group, missed) in groups.retentionRemoved(partition: index, below: offset) {
                Counter(label: "herald_group_missed_events_total", dimensions: [("topic", name), ("group", group)])
                    .increment(by: missed)
                logger.warning(
                    "retention removed events the group had not acknowledged; the group moved to the earliest retained event",
                    metadata: [LogKey.topic: "\(name)", LogKey.group: "\(group)", LogKey.partition: "\(index)", "herald.missed": "\(missed)"]
                )
            }
        }
    }

    /// Does the file work retention left (start files, segment deletions), holding none of the locks a
    /// publish, a take or a commit needs; one call at a time per topic (``retirementFiles``). What fails is
    /// logged and tried again at the next call (maintenance calls it every round). Blocking file work: call
    /// it on an I/O thread.
    func retireFiles(logger: Logger) {
        retirementFiles.withLock { _ in
            for partition in partitions {
                while let work = withLock({ isDeleted ? nil : partition.takeRetirement() }) {
                    let (left, failure) = partition.perform(work)
                    guard let failure else { continue }
                    withLock { partition.returnRetirement(left) }
                    logger.error(
                        "retention could not persist a partition's new start or delete its old segments; it is tried again",
                        metadata: [LogKey.topic: "\(name)", LogKey.partition: "\(partition.index.index)", LogKey.error: "\(failure)"]
                    )
                    break
                }
            }
        }
    }
}
