import Herald
import NIOCore
import Synchronization

import struct Foundation.Date

/// One topic of the embedded log: its partitions, de-duplication window and consumer groups, behind a
/// lock of its own, so that work on one topic (a publish, a take, a commit, retention's file work) never
/// waits for another topic's. Retention's file work runs off this lock too.
///
/// `@unchecked Sendable` is safe: its configuration, options, directory and partition list never change,
/// and every mutable member (groups, the de-duplication window, the publishes waiting on it, the
/// partitions' caches and offsets) is touched only inside ``withLock(_:)``; the broker keeps to that.
package final class LogTopic: GroupTopic, @unchecked Sendable {
    // Mutex: held for short state changes only; never during file work.
    private let lock = Mutex(())
    // Mutex: held by retention's file work on this topic (``retireFiles(logger:)``), one at a time,
    // and by the topic's deletion around the removal of its directory, so that no start file is written
    // into a directory a later topic of the same name took over. Lock order: this, then ``withLock(_:)``.
    let retirementFiles = Mutex(())
    /// Set under the lock when the topic is deleted: its retention writes no more files.
    var isDeleted = false
    /// What the topic's limits drop.
    let retentionPolicy: RetentionPolicy
    let configuration: TopicConfiguration
    let options: LogTopicOptions
    let directory: String
    let partitions: [LogPartition]
    /// The topic's consumer groups.
    package let groups: TopicGroups
    /// Where recently stored events are, and which keys publishes in progress have claimed.
    var deduplication: DeduplicationWindow
    /// Publishes waiting for another publish of the same key to finish, by publish id.
    var pendingWaiters: [UInt64: AsyncSignal] = [:]
    private var roundRobin = 0

    init(configuration: TopicConfiguration, options: LogTopicOptions, directory: String, partitions: [LogPartition]) {
        self.configuration = configuration
        self.options = options
        self.directory = directory
        self.partitions = partitions
        self.groups = TopicGroups(topic: configuration.name)
        self.retentionPolicy = RetentionPolicy(configuration)
        self.deduplication = DeduplicationWindow(
            window: configuration.deduplicationWindow,
            maximumEntries: configuration.maximumDeduplicationEntries
        )
    }

    /// After a commit made new events readable: caches them for consumers following the partition's tail
    /// (so they need no load from disk) and wakes the topic's consumers.
    func committed(_ committed: [PartitionWriter.Committed], partition: Int) {
        withLock {
            if partitions.indices.contains(partition) {
                for batch in committed {
                    partitions[partition].didCommit(batch)
                }
            }
            groups.wakeAll()
        }
    }

    /// Runs `body` under the topic's lock.
    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        try lock.withLock { _ throws(Failure) -> Result in try body() }
    }

    /// Runs `body` with the de-duplication window, in one access for the whole call rather than one per
    /// event.
    func withDeduplication<Result, Failure: Error>(_ body: (inout DeduplicationWindow) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(&deduplication)
    }

    var name: String { configuration.name }

    package var partitionRecords: [LogPartition] { partitions }

    package func firstOffset(partition index: Int, storedAtOrAfter date: Date) -> Offset {
        partitions[index].firstOffset(storedAtOrAfter: date)
    }

    /// Groups whose checkpoint could not be restored, by name: never created or checkpointed over.
    var quarantinedGroups: [String: Quarantine] = [:]

    /// The partition an event goes to.
    func partition(for event: Event) -> Int {
        if let key = event.partitionKey {
            return PartitionKeyHasher.partition(forKey: key, partitionCount: partitions.count).index
        }
        roundRobin = (roundRobin + 1) % partitions.count
        return roundRobin
    }

    /// Bytes on disk, all partitions.
    var storedBytes: Int64 { partitions.reduce(0) { $0 + $1.storedBytes } }

    /// Events held, all partitions.
    var eventCount: Int64 { partitions.reduce(0) { $0 + ($1.endOffset.value - $1.startOffset.value) } }

    /// The partitions as retention sees them (under the lock).
    var retentionViews: [PartitionRetentionView] {
        partitions.map { $0.retentionView(acknowledgedByAll: acknowledgedByAll($0.index.index)) }
    }

    /// The offset below which every group has acknowledged everything, per partition (nil without groups).
    func acknowledgedByAll(_ index: Int) -> Offset? {
        groups.acknowledgedByAll(partition: index)
    }
}

/// The topic a partition's commits belong to, set once the topic is made (its partitions are made first).
///
/// `@unchecked Sendable` is safe: ``topic`` is set once, by the thread that opens the topic, before any
/// publish can reach its partitions (the topic is not yet in the broker), and only read afterwards.
final class TopicOwner: @unchecked Sendable {
    weak var topic: LogTopic?
}
