import Herald
import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

import struct Foundation.Date
import struct Foundation.UUID

/// Herald's default broker: topics kept on disk in segment files (see `Docs/storage-format.md`), crash
/// safe, with consumer groups whose positions survive restarts.
///
/// Open it with ``open(_:logger:)``; run it as a ServiceLifecycle `Service` so that interval syncs, age
/// retention and group checkpoints happen; ``close()`` (or graceful shutdown) checkpoints and closes it.
///
/// Topic limits: `maximumEvents` is exact (a persisted logical start offset hides what is dropped);
/// `maximumBytes` counts the bytes on disk (payloads plus envelope and batch overhead) and is enforced a
/// whole segment at a time.
///
/// Consumer group positions are checkpointed every ``LogBrokerConfiguration/maintenanceInterval`` and on
/// close. After a crash, acknowledgements of the last interval may be lost, and those events delivered
/// again — at least once, never lost. Delivery counts have the same precision.
public final class LogBroker: BrokerAdmin, GroupCoordinator {
    private struct State {
        var topics: [String: LogTopic] = [:]
        /// The last id given to a publish (it names the publish's claims in de-duplication windows).
        var lastPublishID: UInt64 = 0
        var isShutDown = false
        var pendingWaiters: [UInt64: AsyncSignal] = [:]
        var journalRecovery = JournalRecovery()
        /// Topics whose metadata could not be taken at its word, by name.
        var quarantinedTopics: [String: Quarantine] = [:]
        /// Names of topics deleted since the broker opened: one created again under such a name gets an
        /// incarnation of its own in the commit journal (see ``TopicManifest/incarnation``).
        var deletedTopics: Set<String> = []
        /// Topics whose files are being removed: not created again until that is done.
        var deletingTopics: Set<String> = []

        /// The error for a call on `name` when no open topic has that name.
        func missingTopic(_ name: String) -> BrokerError {
            guard let quarantine = quarantinedTopics[name] else { return .unknownTopic(name) }
            return .unavailable(
                "topic '\(name)' is quarantined: \(quarantine.path): \(quarantine.reason). Its files are kept as they are; "
                    + "repair or restore that file (it must name the topic and at least as many partitions as its directory holds) and reopen the broker"
            )
        }
    }

    /// The largest event the log stores, counted as it is stored (every attribute, the data and the
    /// partition key): 32 MiB. A topic's `maximumEventBytes` may be set up to it; a larger event is refused
    /// with ``Herald/BrokerError/eventTooLarge(topic:eventID:size:limit:)`` before anything is written. Any
    /// number of events fits in one publish: the log stores them in batches of at most 64 MiB, the largest
    /// a reader accepts.
    public static let maximumEventBytes = 32 * 1024 * 1024

    /// How the broker was opened.
    public let configuration: LogBrokerConfiguration
    // Mutex: every operation is a short state change; disk writes of publishes happen outside it on the
    // partitions' writers. Lock order: this lock, then a partition's lock, then a signal's lock.
    private let state = Mutex(State())
    private let threadPool: NIOThreadPool
    /// The journal whose syncs acknowledge fsync-before-acknowledge publishes, unless configured off.
    private let journal: CommitJournal?
    private let logger: Logger
    /// Tasks in ``waitUntilIdle(groups:timeout:)``.
    package let idleWaiters = IdleWaiters()
    /// The time ack deadlines, redelivery delays, de-duplication windows, stored times and age retention
    /// are read from.
    private let time: TimeSource

    /// The broker's time, for its consumer groups.
    package var groupTime: TimeSource { time }
    // Mutex: serialises writes of group checkpoint files with the removal of a deleted topic's group
    // directory, so that a checkpoint taken before the deletion cannot write its file after it. Held only
    // on the I/O threads.
    private let groupFiles = Mutex(())
    /// The configured file system behind the cap on open files.
    private let fileSystem: LimitedFileSystem
    private var topicsDirectory: String { "\(configuration.dataDirectory)/topics" }
    private var groupsDirectory: String { "\(configuration.dataDirectory)/groups" }
    private static func journalDirectory(_ configuration: LogBrokerConfiguration) -> String { "\(configuration.dataDirectory)/journal" }

    private init(configuration: LogBrokerConfiguration, threadPool: NIOThreadPool, journal: CommitJournal?, time: TimeSource, logger: Logger) {
        self.time = time
        self.configuration = configuration
        self.threadPool = threadPool
        self.journal = journal
        self.logger = logger
        self.fileSystem = LimitedFileSystem(wrapping: configuration.fileSystem, maximumOpenFiles: configuration.maximumOpenFiles)
    }

    /// Files the broker holds open now: at most ``LogBrokerConfiguration/maximumOpenFiles``.
    public var openFiles: Int { fileSystem.limiter.openCount }

    // MARK: Opening and closing

    /// Opens the log in ``LogBrokerConfiguration/dataDirectory`` (creating it if needed), recovering every
    /// partition (giving back from the commit journal what a segment lacks) and restoring every consumer
    /// group. The file work runs on the broker's I/O threads, never on the Swift concurrency pool.
    ///
    /// - Throws: ``StorageError`` when the directory cannot be read or a file cannot be recovered.
    /// `clock` is what ack deadlines, redelivery delays, de-duplication windows, stored times and age
    /// retention run on; default `ContinuousClock` (and the system's wall clock). A test passes a manual
    /// clock (`ManualClock` in HeraldTesting) and advances it instead of sleeping. Syncs and maintenance
    /// always run on real time.
    public static func open(
        _ configuration: LogBrokerConfiguration,
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "herald.log")
    ) async throws -> LogBroker {
        let time = TimeSource(clock)
        let threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.ioThreads))
        threadPool.start()
        var journal: CommitJournal?
        do {
            let directory = journalDirectory(configuration)
            let scan = try await threadPool.runIfActive { () throws(StorageError) -> JournalScan in
                try JournalScan.scan(directory, fileSystem: configuration.fileSystem, logger: logger)
            }
            let activation: Int? =
                switch configuration.commitJournal {
                case .automatic: 2 * max(1, configuration.ioThreads) + 1
                case .always: 1
                case .never: nil
                }
            if let activation {
                journal = try await threadPool.runIfActive { () throws(StorageError) -> CommitJournal in
                    try CommitJournal(
                        directory: directory, generation: scan.nextGeneration, spare: scan.spare,
                        activeFromPartitions: activation, checkpointBytes: configuration.journalCheckpointBytes,
                        fileSystem: configuration.fileSystem, threadPool: threadPool, logger: logger
                    )
                }
            }
            let broker = LogBroker(configuration: configuration, threadPool: threadPool, journal: journal, time: time, logger: logger)
            try await threadPool.runIfActive { try broker.load(replaying: scan) }
            return broker
        } catch {
            await journal?.close(deleteFiles: false)
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    /// Runs blocking file work on the I/O threads.
    private func onIOThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threadPool.runIfActive(body)
    }

    /// Opens every topic, giving each partition back what `scan` holds for it beyond its end, then deletes
    /// the scanned journal files (their content is now synced in the segments).
    private func load(replaying scan: JournalScan) throws(StorageError) {
        try fileSystem.createDirectory(topicsDirectory)
        try fileSystem.createDirectory(groupsDirectory)
        let names = try fileSystem.contentsOfDirectory(topicsDirectory)
        // What a deletion interrupted by a crash left aside.
        for name in names where name.hasPrefix(".deleted-") {
            try fileSystem.removeItem("\(topicsDirectory)/\(name)")
        }
        var keepsJournal = false
        // Opened under the lock, where the topics will live (they are not Sendable).
        let recovery = try state.withLock { state throws(StorageError) -> JournalRecovery in
            var replay = JournalReplay(scan: scan)
            for name in names where !name.hasPrefix(".") {
                let manifestPath = "\(topicsDirectory)/\(name)/topic.json"
                do throws(StorageError) {
                    guard let manifest = try readManifest(topic: name, path: manifestPath) else { continue }
                    let topic = try openTopic(manifest.configuration, options: manifest.options, incarnation: manifest.incarnation, replay: &replay)
                    rebuildDeduplication(topic)
                    restoreGroups(topic)
                    state.topics[manifest.name] = topic
                } catch {
                    let quarantine = Quarantine(name: name, path: manifestPath, reason: error.message)
                    logger.error(
                        "a topic's metadata cannot be trusted; the topic is quarantined, its files kept as they are, the rest of the log served",
                        metadata: [LogKey.topic: "\(name)", LogKey.error: "\(quarantine)"]
                    )
                    state.quarantinedTopics[name] = quarantine
                }
            }
            state.journalRecovery = replay.finish(logger: logger)
            keepsJournal = replay.unreplayedTopics.contains { state.quarantinedTopics[$0] != nil }
            return state.journalRecovery
        }
        if recovery.restoredBatches > 0 || !recovery.problems.isEmpty || recovery.unknownPartitions > 0 {
            logger.notice(
                "the commit journal gave back acknowledged events that segments had not synced",
                metadata: [
                    "herald.batches": "\(recovery.restoredBatches)", "herald.events": "\(recovery.restoredEvents)",
                    "herald.unknown": "\(recovery.unknownPartitions)", "herald.problems": "\(recovery.problems)",
                ]
            )
        }
        // What the journal holds for a quarantined topic is kept until the topic opens again.
        if keepsJournal {
            logger.warning("the commit journal holds events of a quarantined topic; its files are kept until the topic opens")
            return
        }
        for (_, path) in scan.files {
            try configuration.fileSystem.removeItem(path)
        }
        if !scan.files.isEmpty { try configuration.fileSystem.syncDirectory(Self.journalDirectory(configuration)) }
    }

    /// The whole file at `path`, refused when it is larger than `limit` bytes.
    private func readWhole(_ path: String, limit: Int64) throws(StorageError) -> ByteBuffer {
        let file = try fileSystem.open(path, creating: false)
        defer { try? file.close() }
        let size = try file.size()
        guard size <= limit else {
            throw .corruption(path: path, position: 0, reason: "the file has \(size) bytes, more than the \(limit) such a file can hold")
        }
        return try file.read(count: Int(size), at: 0)
    }

    /// The error for a call on a quarantined group.
    private static func quarantinedGroupError(_ quarantine: Quarantine) -> BrokerError {
        .unavailable(
            "consumer group \(quarantine.name) is quarantined: \(quarantine.path): \(quarantine.reason). Restore the file, or delete it "
                + "to start the group again from its start position (events since its last checkpoint come again: at least once), and reopen the broker"
        )
    }

    private func openTopic(_ configuration: TopicConfiguration, options: LogTopicOptions, incarnation: String?) throws(StorageError) -> LogTopic {
        var nothing = JournalReplay(scan: JournalScan())
        return try openTopic(configuration, options: options, incarnation: incarnation, replay: &nothing)
    }

    private func openTopic(
        _ configuration: TopicConfiguration,
        options: LogTopicOptions,
        incarnation: String?,
        replay: inout JournalReplay
    ) throws(StorageError) -> LogTopic {
        let journalName = TopicManifest.journalName(configuration.name, incarnation: incarnation)
        let directory = "\(topicsDirectory)/\(configuration.name)"
        var partitions: [LogPartition] = []
        for index in 0..<configuration.partitions {
            let partitionDirectory = "\(directory)/\(index)"
            var start = Offset(0)
            let startFile = LogPartition.startFile(partitionDirectory)
            if fileSystem.fileExists(startFile) {
                // A start file that is damaged is not taken: the partition then starts at 0 as far as the
                // broker knows, and offsets missing before its oldest segment are reported as a gap.
                if var bytes = try? ChecksummedText.open(try readWhole(startFile, limit: 64), path: startFile),
                    let text = bytes.readString(length: bytes.readableBytes), let value = Int64(text), value >= 0
                {
                    start = Offset(value)
                } else {
                    logger.error("a partition's start file is damaged; it is ignored", metadata: ["herald.path": "\(startFile)"])
                }
            }
            let store = try PartitionStore.open(
                directory: partitionDirectory,
                partition: Partition(index),
                fileSystem: fileSystem,
                options: PartitionStore.Options(segmentBytes: self.configuration.segmentBytes),
                expectedStart: start,
                logger: logger
            )
            try replay.restore(
                into: store, topic: journalName, journals: (options.durability ?? self.configuration.defaultDurability) == .fsyncBeforeAcknowledge,
                fileSystem: self.configuration.fileSystem, logger: logger
            )
            // A start past the end (a damaged start file) would hide every event: it is not taken.
            if start > store.endOffset {
                logger.error(
                    "the partition's start file names an offset past its end; it is ignored",
                    metadata: [LogKey.partition: "\(index)", "herald.start": "\(start.value)"])
                start = store.startOffset
            }
            let topicName = configuration.name
            let writer = PartitionWriter(
                partition: LockedPartition(store),
                policy: options.durability ?? self.configuration.defaultDurability,
                threadPool: threadPool,
                journal: journal.map { ($0, JournalScan.Location(topic: journalName, partition: index)) },
                onCommit: { [weak self] committed in self?.committed(committed, topic: topicName, partition: index) }
            )
            partitions.append(
                LogPartition(
                    index: Partition(index),
                    writer: writer,
                    directory: partitionDirectory,
                    fileSystem: fileSystem,
                    logicalStart: start,
                    cacheLimit: self.configuration.cachedEventsPerPartition,
                    cacheBytes: self.configuration.cachedBytesPerPartition,
                    logger: logger
                )
            )
        }
        return LogTopic(configuration: configuration, options: options, directory: directory, partitions: partitions)
    }

    /// Refills the de-duplication window from the newest events of each partition still inside it.
    private func rebuildDeduplication(_ topic: LogTopic) {
        guard topic.deduplication.isEnabled else { return }
        let now = time.now.instant
        let wallNow = time.date.date
        let perPartition = min(topic.configuration.maximumDeduplicationEntries, 100_000)
        var found: [(key: DeduplicationKey, partition: Partition, offset: Offset, age: Duration)] = []
        for partition in topic.partitions {
            let from = Offset(max(partition.startOffset.value, partition.endOffset.value - Int64(perPartition)))
            let recent: [StoredEvent]
            do {
                recent = try partition.read(from: from, limit: perPartition)
            } catch {
                // Damage in the range must not keep the broker from opening; the window is then partial.
                logger.error(
                    "could not rebuild the de-duplication window from a damaged range; duplicates of events published before the restart may be stored again",
                    metadata: [LogKey.topic: "\(topic.name)", LogKey.partition: "\(partition.index.index)", LogKey.error: "\(error)"]
                )
                continue
            }
            for stored in recent {
                let age = Duration.milliseconds(Int64(wallNow.timeIntervalSince(stored.storedAt) * 1_000))
                if age < topic.configuration.deduplicationWindow {
                    found.append((stored.event.deduplicationKey, stored.partition, stored.offset, age))
                }
            }
        }
        for entry in found.sorted(by: { $0.age > $1.age }) {
            topic.deduplication.remember(entry.key, partition: entry.partition, offset: entry.offset, now: now - entry.age)
        }
    }

    /// The manifest of the topic in directory `topic`, checked against itself and the disk, or `nil` when
    /// the directory holds no topic at all.
    ///
    /// - Throws: ``StorageError/corruption(path:position:reason:)`` when the manifest is missing although
    ///   partitions are there, does not decode, is invalid, names another topic or fewer partitions than the
    ///   directory holds.
    private func readManifest(topic name: String, path: String) throws(StorageError) -> TopicManifest? {
        let directory = "\(topicsDirectory)/\(name)"
        let partitionsOnDisk = (try? fileSystem.contentsOfDirectory(directory))?.compactMap { Int($0) }.filter { $0 >= 0 } ?? []
        guard fileSystem.fileExists(path) else {
            guard let highest = partitionsOnDisk.max() else { return nil }
            throw .corruption(path: path, position: 0, reason: "topic.json is missing, but partition directories up to \(highest) are there")
        }
        let manifest = try TopicManifest.decode(try readWhole(path, limit: TopicManifest.maximumBytes), path: path)
        guard manifest.name == name else {
            throw .corruption(path: path, position: 0, reason: "it names topic '\(manifest.name)', but lies in the directory of '\(name)'")
        }
        if let problem = manifest.problem {
            throw .corruption(path: path, position: 0, reason: problem)
        }
        if let highest = partitionsOnDisk.max(), highest >= manifest.partitions {
            throw .corruption(
                path: path, position: 0,
                reason: "it says \(manifest.partitions) partitions, but the directory holds partition \(highest): serving fewer would hide acknowledged events"
            )
        }
        return manifest
    }

    /// Restores every group of `topic` from its checkpoint; a checkpoint that cannot be read or does not fit
    /// the topic quarantines its group (reported, its file kept) without keeping the rest from opening.
    private func restoreGroups(_ topic: LogTopic) {
        let directory = "\(groupsDirectory)/\(topic.name)"
        guard fileSystem.fileExists(directory) else { return }
        let now = time.now
        let date = time.date
        let names: [String]
        do {
            names = try fileSystem.contentsOfDirectory(directory)
        } catch {
            logger.error("the topic's consumer group directory cannot be read", metadata: [LogKey.topic: "\(topic.name)", LogKey.error: "\(error)"])
            return
        }
        for name in names where name.hasSuffix(".json") {
            let path = "\(directory)/\(name)"
            let groupName = String(name.dropLast(5))
            let file: GroupCheckpointFile
            do throws(StorageError) {
                file = try GroupCheckpointFile.decode(try readWhole(path, limit: GroupCheckpointFile.maximumBytes), path: path)
                if let problem = file.problem(topic: topic.name, group: groupName, partitions: topic.partitions.count) {
                    throw .corruption(path: path, position: 0, reason: problem)
                }
            } catch {
                let quarantine = Quarantine(name: "\(topic.name)/\(groupName)", path: path, reason: error.message)
                logger.error(
                    "a consumer group's checkpoint cannot be trusted; the group is quarantined, its file kept as it is",
                    metadata: [LogKey.topic: "\(topic.name)", LogKey.group: "\(groupName)", LogKey.error: "\(quarantine)"]
                )
                topic.quarantinedGroups[groupName] = quarantine
                continue
            }
            topic.groups.restore(file.group, options: file.options, checkpoint: file.checkpoint, logs: topic.partitions, now: now, date: date)
        }
    }

    /// What recovery found when the broker opened, and damage found since: torn tails it cut, damaged ranges
    /// of offsets (reads of those fail with a typed error naming them; the rest of the log is served), saved
    /// indexes it rebuilt.
    public func recoveryReport() -> RecoveryReport {
        state.withLock { state in
            var report = RecoveryReport()
            report.journal = state.journalRecovery
            report.quarantinedTopics = state.quarantinedTopics.values.sorted { $0.name < $1.name }
            for topic in state.topics.values.sorted(by: { $0.name < $1.name }) {
                report.quarantinedGroups += topic.quarantinedGroups.values.sorted { $0.name < $1.name }
                for partition in topic.partitions {
                    partition.writer.partition.withLock { store in
                        if let truncation = store.recoveredTruncation { report.truncations.append(truncation) }
                        report.corruptions += store.corruptions
                        report.rebuiltIndexes += store.rebuiltIndexes
                    }
                }
            }
            return report
        }
    }

    /// Checkpoints every group, syncs and closes every partition, and stops the I/O threads. Subscriptions
    /// end; later calls fail with ``BrokerError/closed()``.
    ///
    /// - Throws: ``StorageError`` when a checkpoint or a close fails (the rest is still closed).
    public func close() async throws {
        let topics = state.withLock { state -> [LogTopic] in
            state.isShutDown = true
            for topic in state.topics.values { topic.groups.closeAll() }
            idleWaiters.notifyAll()
            return Array(state.topics.values)
        }
        let partitions = topics.flatMap { $0.partitions.map(\.writer.partition) }
        var failure: BrokerError?
        do {
            failure = try await onIOThread { [self] () -> String? in
                var firstError: String?
                do { try checkpointGroups(all: true) } catch { firstError = "\(error)" }
                for partition in partitions {
                    do {
                        try partition.withLock { (store: PartitionStore) throws(StorageError) in try store.close() }
                    } catch {
                        firstError = firstError ?? "\(error)"
                    }
                }
                return firstError
            }.map { BrokerError.unavailable("closing the log failed: \($0)") }
        } catch {
            failure = BrokerError.unavailable("closing the log failed: \(error)")
        }
        // Every segment was synced as it closed: the journal's content is no longer needed.
        await journal?.close(deleteFiles: failure == nil)
        try? await threadPool.shutdownGracefully()
        if let failure { throw failure }
    }

    /// Runs maintenance every ``LogBrokerConfiguration/maintenanceInterval`` until graceful shutdown or
    /// cancellation, then closes the broker.
    ///
    /// On graceful shutdown the subscriptions end first and the broker waits, up to
    /// ``LogBrokerConfiguration/shutdownGracePeriod``, for their subscribers to settle what they hold and
    /// leave; then it checkpoints and closes. So no acknowledgement is lost whatever the order of a
    /// `ServiceGroup`'s services (though running the broker first, so that it stops last, is the clearer one).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.configuration.maintenanceInterval)
                try? await self.onIOThread { self.maintain() }
            }
        }
        if Task.isShuttingDownGracefully {
            await drainMembers(timeout: configuration.shutdownGracePeriod)
        }
        try await close()
    }

    /// One round of maintenance: interval syncs, age retention, group checkpoints. It does file I/O on the
    /// calling thread; ``run()`` calls it on the broker's I/O threads.
    public func maintain() {
        let topics = state.withLock { Array($0.topics.values) }
        for topic in topics {
            for partition in topic.partitions {
                do {
                    try partition.writer.syncIfDue()
                } catch {
                    logger.error("interval sync failed", metadata: [LogKey.topic: "\(topic.name)", LogKey.error: "\(error)"])
                }
            }
            if let age = topic.options.retentionAge {
                applyAgeRetention(topic, age: age)
            }
        }
        do {
            try checkpointGroups(all: false)
        } catch {
            logger.error("consumer group checkpoint failed; it is retried", metadata: [LogKey.error: "\(error)"])
        }
    }

    private func applyAgeRetention(_ topic: LogTopic, age: Duration) {
        let cutoff = Int64((time.date.secondsSince1970 * 1_000)) - age.milliseconds
        state.withLock { _ in
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

    /// After a commit made new events readable: caches them for consumers following the partition's tail
    /// (so they need no load from disk) and wakes the topic's consumers.
    private func committed(_ committed: [PartitionWriter.Committed], topic: String, partition: Int) {
        state.withLock { state in
            guard let topicState = state.topics[topic] else { return }
            if topicState.partitions.indices.contains(partition) {
                for batch in committed {
                    topicState.partitions[partition].didCommit(batch)
                }
            }
            topicState.groups.wakeAll()
        }
    }

    /// Moves a partition's start forward under the broker lock; groups behind it move too.
    private func advanceStart(_ topic: LogTopic, _ partition: LogPartition, to offset: Offset) {
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

    private func checkpointGroups(all: Bool) throws {
        let files = state.withLock { state -> [(String, String, GroupCheckpointFile)] in
            var files: [(String, String, GroupCheckpointFile)] = []
            for topic in state.topics.values {
                for (group, options, checkpoint) in topic.groups.takeCheckpoints(force: all) {
                    files.append((topic.name, group, GroupCheckpointFile(topic: topic.name, group: group, options: options, checkpoint: checkpoint)))
                }
            }
            return files
        }
        try groupFiles.withLock { _ in
            for (topic, group, file) in files {
                // A topic deleted since its checkpoint was taken keeps no group files.
                guard state.withLock({ $0.topics[topic] != nil }) else { continue }
                let directory = "\(groupsDirectory)/\(topic)"
                try fileSystem.createDirectory(directory)
                try fileSystem.writeAtomically(try file.encoded(), to: "\(directory)/\(group).json")
            }
        }
    }

    // MARK: Topics

    /// Creates a topic with the broker's default log options. - Throws: ``BrokerError``, ``StorageError``.
    public func createTopic(_ configuration: TopicConfiguration) async throws {
        try await createTopic(configuration, options: LogTopicOptions())
    }

    /// Creates a topic, or does nothing if one with the same configuration exists; its configuration and
    /// options are persisted with it.
    ///
    /// - Throws: ``BrokerError`` for an invalid or conflicting configuration, ``StorageError`` when the
    ///   topic cannot be written.
    public func createTopic(_ configuration: TopicConfiguration, options: LogTopicOptions) async throws {
        try configuration.validate()
        guard configuration.maximumEventBytes <= Self.maximumEventBytes else {
            throw BrokerError.invalidConfiguration(
                topic: configuration.name, setting: "maximumEventBytes", value: "\(configuration.maximumEventBytes)",
                rule: "must be at most \(Self.maximumEventBytes), the largest event the log's format stores (LogBroker.maximumEventBytes)"
            )
        }
        let exists = try state.withLock { state throws(BrokerError) -> Bool in
            if state.isShutDown { throw .closed() }
            if state.quarantinedTopics[configuration.name] != nil { throw state.missingTopic(configuration.name) }
            guard let existing = state.topics[configuration.name] else { return false }
            if existing.configuration != configuration { throw .topicExists(configuration.name) }
            return true
        }
        if exists { return }
        let directory = "\(topicsDirectory)/\(configuration.name)"
        // Created under the lock, where it will live (topics are not Sendable); topic creation is rare. The
        // file work runs on an I/O thread.
        let outcome = try await onIOThread { [self] in try createTopicFiles(configuration, options: options, directory: directory) }
        switch outcome {
        case .created, .exists: return
        case .conflict: throw BrokerError.topicExists(configuration.name)
        case .deleting: throw BrokerError.unavailable("topic '\(configuration.name)' is being deleted; create it again once deleteTopic has returned")
        }
    }

    /// How creating a topic's files ended.
    private enum TopicCreation: Sendable {
        case created
        case exists
        case conflict
        case deleting
    }

    private func createTopicFiles(
        _ configuration: TopicConfiguration,
        options: LogTopicOptions,
        directory: String
    ) throws -> TopicCreation {
        try state.withLock { state throws -> TopicCreation in
            if let existing = state.topics[configuration.name] {
                return existing.configuration != configuration ? .conflict : .exists
            }
            if state.deletingTopics.contains(configuration.name) { return .deleting }
            // The journal may still hold entries of a topic of this name deleted since the broker opened:
            // this one files its entries under a name of its own.
            let incarnation = state.deletedTopics.contains(configuration.name) ? String(UUID().uuidString.prefix(8)).lowercased() : nil
            let manifest = try TopicManifest(configuration, options: options, incarnation: incarnation).encoded()
            try fileSystem.createDirectory(directory)
            try fileSystem.writeAtomically(manifest, to: "\(directory)/topic.json")
            try fileSystem.syncDirectory(topicsDirectory)
            state.topics[configuration.name] = try openTopic(configuration, options: options, incarnation: incarnation)
            return .created
        }
    }

    /// Every topic's configuration, sorted by name.
    public func topics() async throws -> [TopicConfiguration] {
        state.withLock { state in state.topics.values.map(\.configuration) }.sorted { $0.name < $1.name }
    }

    // MARK: Publishing

    private enum PublishPlan {
        /// Another publish is writing an event with the same (source, id); wait for it, then plan again.
        case wait
        case write(PlannedPublish)
    }

    private struct PlannedPublish {
        /// Per event: the receipt of an earlier copy, or the partition to write to.
        var outcomes: [Outcome]
        var topic: LogTopic
        /// This publish's id in the de-duplication window's claims.
        var publishID: UInt64
        /// The keys it claimed, with the index of the event that carries each.
        var claimed: [(key: DeduplicationFingerprint, index: Int)]

        enum Outcome {
            case duplicate(Partition, Offset)
            case duplicateInBatch(Int)
            case write(Int)
        }
    }

    /// Stores events and returns their receipts once their topic's durability policy is met.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, an oversize event or a full topic (nothing is
    ///   stored); ``BrokerError/Code/storage`` when the disk fails, with the ``StorageError`` as its
    ///   ``BrokerError/underlying`` error and ``BrokerError/isRetryable`` as the storage error says. Events of a multi-partition batch whose partitions
    ///   were written before the failure stay stored; publishing the batch again is safe, as the
    ///   de-duplication window recognises them.
    public func publish(_ events: [Event], to topicName: String) async throws -> [PublishReceipt] {
        // One lock round trip in the common case: the publish takes its id, plans, and registers to be
        // woken only if it must wait for another publish of the same key.
        var publishID: UInt64 = 0
        var signal: AsyncSignal?
        var plan: PlannedPublish
        while true {
            let next = try state.withLock { state throws(BrokerError) -> PublishPlan in
                if publishID == 0 {
                    state.lastPublishID += 1
                    publishID = state.lastPublishID
                }
                let result: PublishPlan
                do throws(BrokerError) {
                    result = try self.plan(events, topicName, publishID: publishID, in: &state)
                } catch {
                    state.pendingWaiters[publishID] = nil
                    throw error
                }
                if case .wait = result {
                    let waiter = signal ?? AsyncSignal()
                    signal = waiter
                    state.pendingWaiters[publishID] = waiter
                } else if signal != nil {
                    state.pendingWaiters[publishID] = nil
                }
                return result
            }
            if case .write(let planned) = next {
                plan = planned
                break
            }
            await signal?.wait(until: .now + .seconds(1))
            if Task.isCancelled {
                state.withLock { _ = $0.pendingWaiters.removeValue(forKey: publishID) }
                throw CancellationError()
            }
        }
        return try await write(events, plan: plan)
    }

    private func plan(_ events: [Event], _ topicName: String, publishID: UInt64, in state: inout State) throws(BrokerError) -> PublishPlan {
        if state.isShutDown { throw .closed() }
        guard let topic = state.topics[topicName] else { throw state.missingTopic(topicName) }
        // An event's size is the bytes it takes on disk (every attribute, its data and its partition key), so
        // that nothing is acknowledged that a reader would refuse, and the topic's byte bound counts what
        // is stored.
        let maximumEventBytes = min(topic.configuration.maximumEventBytes, Self.maximumEventBytes)
        var payloadBytes: Int64 = 0
        for event in events {
            let size = RecordBatch.recordSize(of: event)
            if size > maximumEventBytes {
                throw .eventTooLarge(topic: topicName, eventID: event.id, size: size, limit: maximumEventBytes)
            }
            payloadBytes += Int64(size)
        }
        var outcomes: [PlannedPublish.Outcome] = []
        outcomes.reserveCapacity(events.count)
        var claimed: [(key: DeduplicationFingerprint, index: Int)] = []
        // One access to the window for the whole batch, and one hash lookup per event in it.
        let mustWait = topic.withDeduplication { window -> Bool in
            guard window.isEnabled else {
                for event in events { outcomes.append(.write(topic.partition(for: event))) }
                return false
            }
            claimed.reserveCapacity(events.count)
            window.expire(now: time.now.instant)
            for (index, event) in events.enumerated() {
                let key = event.deduplicationKey.fingerprint
                switch window.claim(key, publish: publishID, index: index) {
                case .claimed:
                    claimed.append((key, index))
                    outcomes.append(.write(topic.partition(for: event)))
                case .duplicate(let partition, let offset):
                    outcomes.append(.duplicate(partition, offset))
                case .earlierInBatch(let earlier):
                    outcomes.append(.duplicateInBatch(earlier))
                case .heldElsewhere:
                    for (key, _) in claimed { window.release(key, publish: publishID) }
                    return true
                }
            }
            return false
        }
        if mustWait { return .wait }
        let newEvents = topic.deduplication.isEnabled ? claimed.count : events.count
        do {
            try makeRoom(topic, events: newEvents)
            try makeRoom(topic, bytes: payloadBytes)
        } catch {
            topic.withDeduplication { window in
                for (key, _) in claimed { window.release(key, publish: publishID) }
            }
            throw error
        }
        return .write(PlannedPublish(outcomes: outcomes, topic: topic, publishID: publishID, claimed: claimed))
    }

    /// Applies the topic's event limit: first events every group acknowledged, then the overflow policy.
    private func makeRoom(_ topic: LogTopic, events: Int) throws(BrokerError) {
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
    private func makeRoom(_ topic: LogTopic, bytes incoming: Int64) throws(BrokerError) {
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

    private func write(_ events: [Event], plan: PlannedPublish) async throws -> [PublishReceipt] {
        let topic = plan.topic
        let timestamp = Int64((time.date.secondsSince1970 * 1_000).rounded(.down))
        var perPartition: [Int: [(index: Int, event: Event)]] = [:]
        for (index, outcome) in plan.outcomes.enumerated() {
            guard case .write(let partition) = outcome else { continue }
            perPartition[partition, default: []].append((index, events[index]))
        }
        // Each partition's records go to its writer; partitions are written concurrently (a publish to one
        // partition, the common case for single events, needs no child task).
        let results = await appendAll(perPartition, to: topic, timestamp: timestamp)
        var receipts = [PublishReceipt?](repeating: nil, count: events.count)
        var failure: (any Error)?
        for (partition, result) in results {
            switch result {
            case .success(let base):
                for (position, record) in (perPartition[partition] ?? []).enumerated() {
                    receipts[record.index] = PublishReceipt(
                        topic: topic.name, partition: Partition(partition), offset: Offset(base.value + Int64(position)), isDuplicate: false
                    )
                }
            case .failure(let error):
                failure = failure ?? error
            }
        }
        let now = time.now.instant
        state.withLock { state in
            topic.withDeduplication { window in
                for (key, index) in plan.claimed {
                    if let receipt = receipts[index] {
                        window.confirm(key, partition: receipt.partition, offset: receipt.offset, now: now)
                    } else {
                        window.release(key, publish: plan.publishID)
                    }
                }
            }
            // Consumers were woken by each commit (`committed(_:topic:partition:)`); idle waiters now see
            // the new events counted.
            for waiter in state.pendingWaiters.values { waiter.notify() }
            idleWaiters.notifyAll()
        }
        if let failure {
            guard let storage = failure as? StorageError else { throw failure }
            throw BrokerError.storage("publishing to topic '\(topic.name)'", error: storage, isRetryable: storage.isRetryable)
        }
        return try plan.outcomes.enumerated().map { index, outcome throws(BrokerError) -> PublishReceipt in
            switch outcome {
            case .duplicate(let partition, let offset):
                return PublishReceipt(topic: topic.name, partition: partition, offset: offset, isDuplicate: true)
            case .duplicateInBatch(let earlier):
                guard var original = receipts[earlier] else { throw .unavailable("no receipt for event \(events[earlier].id)") }
                original.isDuplicate = true
                return original
            case .write:
                guard let receipt = receipts[index] else { throw .unavailable("no receipt for event \(events[index].id)") }
                return receipt
            }
        }
    }

    /// Appends each partition's records through its writer, concurrently; the result per partition.
    private func appendAll(
        _ perPartition: [Int: [(index: Int, event: Event)]],
        to topic: LogTopic,
        timestamp: Int64
    ) async -> [Int: Result<Offset, any Error>] {
        if perPartition.count == 1, let (partition, records) = perPartition.first {
            do {
                let events = BatchRecords.events(records.map(\.event))
                return [partition: .success(try await topic.partitions[partition].writer.append(events, timestamp: timestamp))]
            } catch {
                return [partition: .failure(error)]
            }
        }
        let appends = perPartition.map { partition, records in
            PartitionAppend(
                partition: partition,
                writer: topic.partitions[partition].writer,
                records: .events(records.map(\.event))
            )
        }
        return await withTaskGroup(of: (Int, Result<Offset, any Error>).self) { group in
            for append in appends {
                group.addTask { await append.run(timestamp: timestamp) }
            }
            var results: [Int: Result<Offset, any Error>] = [:]
            for await (partition, result) in group {
                results[partition] = result
            }
            return results
        }
    }

    // MARK: Consumer groups

    /// Runs `body` with the topic under the broker's lock. - Throws: ``BrokerError`` for a topic the log
    /// does not have or has quarantined.
    package func withGroupTopic<Result: Sendable>(_ name: String, _ body: @Sendable (LogTopic) throws(BrokerError) -> Result) throws(BrokerError) -> Result {
        try state.withLock { state throws(BrokerError) in
            guard let topicState = state.topics[name] else { throw state.missingTopic(name) }
            return try body(topicState)
        }
    }

    /// Runs `body` with every topic under the broker's lock.
    package func withGroupTopics<Result: Sendable>(_ body: @Sendable ([String: LogTopic]) -> Result) -> Result {
        state.withLock { state in body(state.topics) }
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
                startLoad(request, into: partition, topic: name)
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
    private func startLoad(_ request: LoadRequest, into partition: LogPartition, topic: String) {
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

    /// Installs a finished load (on the I/O thread that ran it).
    fileprivate func finishLoad(_ request: LoadRequest, result: Result<[StoredEvent], StorageError>, partition: LogPartition, topic: String) {
        state.withLock { state in
            partition.finishLoad(request, result: result)
            state.topics[topic]?.groups.wakeAll()
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

    // MARK: Admin

    /// A topic's configuration, retention (its limits and ``LogTopicOptions/retentionAge``) and partitions,
    /// whose bytes are the bytes of their segment files. - Throws: ``BrokerError`` for an unknown topic.
    public func describeTopic(_ topic: String) async throws -> TopicDescription {
        try withGroupTopic(topic) { topicState throws(BrokerError) in
            TopicDescription(
                configuration: topicState.configuration,
                retention: TopicRetention(topicState.configuration, maximumAge: topicState.options.retentionAge),
                partitions: topicState.partitions.map { partition in
                    PartitionDescription(
                        partition: partition.index, startOffset: partition.startOffset, endOffset: partition.endOffset, bytes: partition.storedBytes
                    )
                }
            )
        }
    }

    /// The topic's consumer groups with their members and lag. - Throws: ``BrokerError`` for an unknown topic.
    public func describeGroups(of topic: String) async throws -> [GroupDescription] {
        try groupDescriptions(of: topic)
    }

    /// Deletes a topic: its subscriptions end, its partitions are closed and its files and group
    /// checkpoints removed (the directory is first renamed aside, so a crash part way leaves no half topic:
    /// the next open removes what is left). A topic created again under the name before the broker is
    /// reopened files its commit journal entries apart from the deleted one's.
    ///
    /// - Throws: ``BrokerError`` for an unknown topic, ``StorageError`` when its files cannot be removed
    ///   (the topic is gone from the broker either way).
    public func deleteTopic(_ topic: String) async throws {
        let removed = try state.withLock { state throws(BrokerError) -> LogTopic in
            if state.isShutDown { throw .closed() }
            guard let topicState = state.topics.removeValue(forKey: topic) else { throw state.missingTopic(topic) }
            topicState.groups.closeAll()
            state.deletedTopics.insert(topic)
            state.deletingTopics.insert(topic)
            idleWaiters.notifyAll()
            return topicState
        }
        let partitions = removed.partitions.map(\.writer.partition)
        let directory = removed.directory
        defer { state.withLock { _ = $0.deletingTopics.remove(topic) } }
        try await onIOThread { [self] in
            for partition in partitions {
                journal?.unregister(partition)
                try? partition.withLock { (store: PartitionStore) throws(StorageError) in try store.close() }
            }
            let aside = "\(topicsDirectory)/.deleted-\(UUID().uuidString)"
            try fileSystem.rename(directory, to: aside)
            try fileSystem.syncDirectory(topicsDirectory)
            try fileSystem.removeItem(aside)
            try groupFiles.withLock { _ throws(StorageError) in
                let groups = "\(groupsDirectory)/\(topic)"
                if fileSystem.fileExists(groups) {
                    try fileSystem.removeItem(groups)
                    try fileSystem.syncDirectory(groupsDirectory)
                }
            }
        }
    }

    /// Moves a group's position. - Throws: ``BrokerError`` for an unknown topic or group.
    public func seek(group: String, on topic: String, to target: SeekTarget) async throws {
        try seekGroup(group, on: topic, to: target)
    }

    /// A group's lag per partition. - Throws: ``BrokerError`` for an unknown topic or group.
    public func lag(group: String, on topic: String) async throws -> GroupLag {
        try groupLag(group, on: topic)
    }

    /// Reads stored events of one partition (on the I/O threads). - Throws: ``BrokerError``, ``StorageError``.
    public func read(topic: String, partition: Partition, from offset: Offset, limit: Int) async throws -> [StoredEvent] {
        try await onIOThread { [self] in
            try state.withLock { state throws -> [StoredEvent] in
                guard let topicState = state.topics[topic] else { throw state.missingTopic(topic) }
                guard topicState.partitions.indices.contains(partition.index) else {
                    throw BrokerError.unknownPartition(topic: topic, partition: partition, partitions: topicState.partitions.count)
                }
                return try topicState.partitions[partition.index].read(from: offset, limit: limit)
            }
        }
    }

    /// Waits until the named groups (or all, with `nil`) have acknowledged every event of their topics.
    ///
    /// - Throws: ``BrokerError/unavailable(_:)`` naming what is still pending when `timeout` passes.
    public func waitUntilIdle(groups: [GroupReference]? = nil, timeout: Duration = .seconds(10)) async throws {
        try await waitUntilGroupsIdle(groups, timeout: timeout)
    }
}

/// One partition's share of a publish, appended by its own child task.
private struct PartitionAppend: Sendable {
    let partition: Int
    let writer: PartitionWriter
    let records: BatchRecords

    /// Appends and reports the first offset or the failure, with the partition.
    func run(timestamp: Int64) async -> (Int, Result<Offset, any Error>) {
        do {
            return (partition, .success(try await writer.append(records, timestamp: timestamp)))
        } catch {
            return (partition, .failure(error))
        }
    }
}

/// Where a load started by ``LogBroker`` goes once it has run.
///
/// `@unchecked Sendable` is safe: the partition it carries is only touched under the broker's lock (in
/// ``LogBroker/finishLoad(_:result:partition:topic:)``), like every other access to it.
private struct LoadTarget: @unchecked Sendable {
    let broker: LogBroker
    let partition: LogPartition
    let topic: String

    func finish(_ request: LoadRequest, result: Result<[StoredEvent], StorageError>) {
        broker.finishLoad(request, result: result, partition: partition, topic: topic)
    }
}

/// Loads a take found, carried to the work that starts them after the lock.
///
/// `@unchecked Sendable` is safe: the partitions it carries are only touched under the broker's lock (the
/// load's result is installed in ``LogBroker/finishLoad(_:result:partition:topic:)``); the work that starts
/// the loads only hands them to the I/O threads.
private struct PendingLoads: @unchecked Sendable {
    let loads: [(LogPartition, LoadRequest)]
}
