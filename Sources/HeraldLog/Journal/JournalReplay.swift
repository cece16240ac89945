import Herald
import Logging
import NIOCore

/// Gives each partition, as recovery opens it, the batches the commit journal holds beyond its end, and
/// keeps the account of what it gave back.
struct JournalReplay {
    private let scan: JournalScan
    private var replayed: Set<JournalScan.Location> = []
    /// The partitions opened whose topics sync before acknowledging (so may have used the journal), with
    /// their ends after replay.
    private var journaling: [(location: JournalScan.Location, end: Offset)] = []
    private var recovery = JournalRecovery()

    init(scan: JournalScan) {
        self.scan = scan
        recovery.files = scan.files.count
        recovery.problems = scan.problems
    }

    /// Appends to `store` (a partition of `topic`) what the journal has beyond its end and syncs it. A gap
    /// (offsets an entry before held, lost) is recorded as a problem and as damage in the partition, and
    /// replay goes on after it; a damaged batch in a whole entry is recorded and ends that partition's
    /// replay.
    ///
    /// - Throws: ``StorageError`` when the journal cannot be read or the segment cannot be written.
    ///
    /// `journals` says whether the partition's topic syncs before acknowledging (so may have used the
    /// journal): if damaged journal bytes held entries whose partition cannot be told, ``finish(logger:)``
    /// reports such a partition as possibly missing events from its end on.
    mutating func restore(into store: PartitionStore, topic: String, journals: Bool, fileSystem: any LogFileSystem, logger: Logger) throws(StorageError) {
        let location = JournalScan.Location(topic: topic, partition: store.partition.index)
        defer { if journals { journaling.append((location, store.endOffset)) } }
        guard let entries = scan.entries[location] else { return }
        replayed.insert(location)
        var appended = false
        for batches in entries {
            let bytes = try Self.read(batches, fileSystem: fileSystem)
            do {
                let restored = try store.replay(bytes, path: batches.path, position: batches.position)
                recovery.restoredBatches += restored.batches
                recovery.restoredEvents += restored.events
                appended = appended || restored.batches > 0
                for missing in restored.missing {
                    report(
                        JournalProblem(
                            kind: .gap, path: batches.path, position: missing.position, endPosition: missing.position, topic: topic,
                            partition: location.partition, offsets: missing.offsets),
                        logger: logger
                    )
                }
            } catch  where error.isCorruption {
                report(
                    JournalProblem(
                        kind: .damaged, path: batches.path, position: batches.position, endPosition: batches.position + Int64(batches.length), topic: topic,
                        partition: location.partition),
                    logger: logger
                )
                break
            }
        }
        if appended { try store.sync() }
    }

    private mutating func report(_ problem: JournalProblem, logger: Logger) {
        recovery.problems.append(problem)
        logger.error("commit journal: \(problem)")
    }

    /// The account, once every partition was opened: entries of partitions never opened are counted as
    /// unknown. If damaged bytes held entries whose partition cannot be told (their header does not read or
    /// is damaged, or names a partition the log does not have), every journaling partition is reported as
    /// possibly missing events from its end on.
    mutating func finish(logger: Logger) -> JournalRecovery {
        recovery.unknownPartitions = scan.entries.filter { !replayed.contains($0.key) }.reduce(0) { $0 + $1.value.count }
        let opened = Set(journaling.map(\.location))
        let unattributed =
            scan.unattributedDamage
            ?? scan.problems.first { problem in
                guard let topic = problem.topic, let partition = problem.partition else { return true }
                return !opened.contains(JournalScan.Location(topic: topic, partition: partition))
            }
        if let damaged = unattributed {
            for (location, end) in journaling {
                report(
                    JournalProblem(
                        kind: .possibleLoss, path: damaged.path, position: damaged.position, endPosition: damaged.endPosition,
                        topic: location.topic, partition: location.partition, offsets: end..<Offset(Int64.max)
                    ),
                    logger: logger
                )
            }
        }
        return recovery
    }

    /// The topics the journal holds entries for that no opened partition took.
    var unreplayedTopics: Set<String> {
        Set(scan.entries.keys.filter { !replayed.contains($0) }.map(\.topic))
    }

    private static func read(_ batches: JournalScan.Batches, fileSystem: any LogFileSystem) throws(StorageError) -> ByteBuffer {
        let file = try fileSystem.open(batches.path, creating: false)
        defer { try? file.close() }
        return try file.read(count: batches.length, at: batches.position)
    }
}
