import Herald
import Logging
import NIOCore

/// Gives each partition, as recovery opens it, the batches the commit journal holds beyond its end, and
/// keeps the account of what it gave back.
struct JournalReplay {
    private let scan: JournalScan
    private var replayed: Set<JournalScan.Location> = []
    private var recovery = JournalRecovery()

    init(scan: JournalScan) {
        self.scan = scan
        recovery.files = scan.files.count
        recovery.problems = scan.problems
    }

    /// Appends to `store` (a partition of `topic`) what the journal has beyond its end and syncs it. A
    /// damaged entry or a gap is recorded as a problem, logged, and ends that partition's replay.
    ///
    /// - Throws: ``StorageError`` when the journal cannot be read or the segment cannot be written.
    mutating func restore(into store: PartitionStore, topic: String, fileSystem: any LogFileSystem, logger: Logger) throws(StorageError) {
        let location = JournalScan.Location(topic: topic, partition: store.partition.index)
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
            } catch where error.isCorruption {
                recovery.problems.append("\(error)")
                logger.error(
                    "a commit journal entry could not be replayed; the partition is served up to it",
                    metadata: ["herald.topic": "\(topic)", "herald.partition": "\(location.partition)", "herald.error": "\(error)"]
                )
                break
            }
        }
        if appended { try store.sync() }
    }

    /// The account, once every partition was opened: entries of partitions never opened are counted as
    /// unknown.
    func finish() -> JournalRecovery {
        var recovery = recovery
        recovery.unknownPartitions = scan.entries.filter { !replayed.contains($0.key) }.reduce(0) { $0 + $1.value.count }
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
