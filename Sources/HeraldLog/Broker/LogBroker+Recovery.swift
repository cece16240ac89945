import Herald
import Logging
import NIOCore
import Synchronization

import struct Foundation.Date

/// Opening: recovery of every topic and group from disk, and what it found.
extension LogBroker {
    /// Opens every topic, giving each partition back what `scan` holds for it beyond its end, then deletes
    /// the scanned journal files (their content is now synced in the segments).
    func load(replaying scan: JournalScan) throws(StorageError) {
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
    func readWhole(_ path: String, limit: Int64) throws(StorageError) -> ByteBuffer {
        let file = try fileSystem.open(path, creating: false)
        defer { try? file.close() }
        let size = try file.size()
        guard size <= limit else {
            throw .corruption(path: path, position: 0, reason: "the file has \(size) bytes, more than the \(limit) such a file can hold")
        }
        return try file.read(count: Int(size), at: 0)
    }

    /// The error for a call on a quarantined group.
    static func quarantinedGroupError(_ quarantine: Quarantine) -> BrokerError {
        .unavailable(
            "consumer group \(quarantine.name) is quarantined: \(quarantine.path): \(quarantine.reason). Restore the file, or delete it "
                + "to start the group again from its start position (events since its last checkpoint come again: at least once), and reopen the broker"
        )
    }

    func openTopic(_ configuration: TopicConfiguration, options: LogTopicOptions, incarnation: String?) throws(StorageError) -> LogTopic {
        var nothing = JournalReplay(scan: JournalScan())
        return try openTopic(configuration, options: options, incarnation: incarnation, replay: &nothing)
    }

    func openTopic(
        _ configuration: TopicConfiguration,
        options: LogTopicOptions,
        incarnation: String?,
        replay: inout JournalReplay
    ) throws(StorageError) -> LogTopic {
        let journalName = TopicManifest.journalName(configuration.name, incarnation: incarnation)
        let directory = "\(topicsDirectory)/\(configuration.name)"
        // Commits find their topic through this, set once the topic exists (no registry lookup per commit).
        let owner = TopicOwner()
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
            // Segments wholly below the start are what retention dropped before it could delete them.
            if store.segments.count > 1, store.segments[0].nextOffset <= start {
                try store.deleteOldSegments { segment, _ in segment.nextOffset <= start }
            }
            let writer = PartitionWriter(
                partition: LockedPartition(store),
                policy: options.durability ?? self.configuration.defaultDurability,
                threadPool: threadPool,
                journal: journal.map { ($0, JournalScan.Location(topic: journalName, partition: index)) },
                onCommit: { committed in owner.topic?.committed(committed, partition: index) }
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
        let topic = LogTopic(configuration: configuration, options: options, directory: directory, partitions: partitions)
        owner.topic = topic
        return topic
    }

    /// Refills the de-duplication window from the newest events of each partition still inside it.
    func rebuildDeduplication(_ topic: LogTopic) {
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
    func readManifest(topic name: String, path: String) throws(StorageError) -> TopicManifest? {
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
    func restoreGroups(_ topic: LogTopic) {
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
            topic.groups.restore(
                file.group, options: file.options, checkpoint: file.checkpoint, isPaused: file.paused ?? false, logs: topic.partitions, now: now,
                date: date
            )
        }
    }

    /// What recovery found when the broker opened, and damage found since: torn tails it cut, damaged ranges
    /// of offsets (reads of those fail with a typed error naming them; the rest of the log is served), saved
    /// indexes it rebuilt.
    public func recoveryReport() -> RecoveryReport {
        var (report, topics) = state.withLock { state -> (RecoveryReport, [LogTopic]) in
            var report = RecoveryReport()
            report.journal = state.journalRecovery
            report.quarantinedTopics = state.quarantinedTopics.values.sorted { $0.name < $1.name }
            return (report, state.topics.values.sorted { $0.name < $1.name })
        }
        for topic in topics {
            report.quarantinedGroups += topic.withLock { topic.quarantinedGroups.values.sorted { $0.name < $1.name } }
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
