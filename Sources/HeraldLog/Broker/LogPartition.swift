import DequeModule
import struct Foundation.Date
import Herald
import Logging
import NIOCore
import NIOPosix

/// One partition of a log topic as the broker sees it: the store behind its lock, its group-commit writer,
/// the logical start offset retention has moved to, and a bounded cache of decoded events for consumers.
/// Not thread-safe apart from the writer: the broker's lock guards it.
final class LogPartition: PartitionRecords {
    let index: Partition
    let writer: PartitionWriter
    private let directory: String
    private let fileSystem: any LogFileSystem
    private let cacheLimit: Int
    private let cacheBytes: Int
    private let logger: Logger
    /// The offset whose read failure was last logged, so a consumer stuck on damage logs it once.
    private var reportedFailure: Offset?
    /// Events below this are gone by retention, even if their segment is still on disk.
    private(set) var logicalStart: Offset
    private var cache: Deque<StoredEvent> = []
    private var cacheStart = Offset(0)

    init(
        index: Partition,
        writer: PartitionWriter,
        directory: String,
        fileSystem: any LogFileSystem,
        logicalStart: Offset,
        cacheLimit: Int,
        cacheBytes: Int,
        logger: Logger
    ) {
        self.index = index
        self.writer = writer
        self.directory = directory
        self.fileSystem = fileSystem
        self.logicalStart = logicalStart
        self.cacheLimit = cacheLimit
        self.cacheBytes = cacheBytes
        self.logger = logger
    }

    static func startFile(_ directory: String) -> String { "\(directory)/start.offset" }

    var startOffset: Offset {
        max(logicalStart, writer.partition.withLock { $0.startOffset })
    }

    var endOffset: Offset {
        writer.partition.withLock { $0.endOffset }
    }

    /// Payload bytes on disk (whole segments).
    var storedBytes: Int64 {
        writer.partition.withLock { $0.bytes }
    }

    /// The offset after the oldest sealed segment (deleting it moves the start there), if there is one.
    var oldestSegmentEnd: Offset? {
        writer.partition.withLock { store in store.segments.count > 1 ? store.segments[0].nextOffset : nil }
    }

    /// The event at `offset`, from the cache or read (and cached, with what follows it) from disk.
    func record(at offset: Offset) -> StoredEvent? {
        guard offset >= startOffset else { return nil }
        if offset >= cacheStart, offset.value < cacheStart.value + Int64(cache.count) {
            return cache[Int(offset.value - cacheStart.value)]
        }
        let records: [StoredEvent]
        do {
            records = try read(from: offset, limit: cacheLimit, maximumBytes: cacheBytes)
        } catch {
            // Consumers stop at damage rather than skip it; say so once per offset.
            if reportedFailure != offset {
                reportedFailure = offset
                logger.error(
                    "consumers cannot read past a damaged range; they wait there until it is repaired or skipped with a seek",
                    metadata: [LogKey.partition: "\(index.index)", LogKey.offset: "\(offset.value)", LogKey.error: "\(error)"]
                )
            }
            return nil
        }
        guard let first = records.first, first.offset == offset else { return nil }
        cache = Deque(records)
        cacheStart = first.offset
        return first
    }

    /// Decoded events from `offset` on, at most `limit` of them and, past the first, at most about
    /// `maximumBytes` of payload.
    ///
    /// - Throws: ``StorageError`` when the range cannot be read.
    func read(from offset: Offset, limit: Int, maximumBytes: Int = .max) throws(StorageError) -> [StoredEvent] {
        var result: [StoredEvent] = []
        var bytes = 0
        var next = max(offset, startOffset)
        let end = endOffset
        while result.count < limit, next < end, bytes < maximumBytes {
            let from = next
            let records = try writer.partition.withLock { (store: PartitionStore) throws(StorageError) in
                try store.read(from: from, maximumBytes: 256 * 1024)
            }
            guard let last = records.last else { break }
            for record in records where result.count < limit && record.offset < end && (result.isEmpty || bytes < maximumBytes) {
                bytes += record.value.readableBytes
                do {
                    let event = try EventEnvelope.decode(record.value)
                    let storedAt = Date(timeIntervalSince1970: Double(record.timestamp) / 1_000)
                    result.append(StoredEvent(event: event, partition: index, offset: record.offset, storedAt: storedAt))
                } catch {
                    throw .corruption(path: directory, position: 0, reason: "event at offset \(record.offset) does not decode: \(error)")
                }
            }
            next = last.offset.next
        }
        return result
    }

    /// Moves the logical start forward (retention), persists it, and deletes segments wholly below it.
    func advanceStart(to offset: Offset) throws(StorageError) {
        guard offset > logicalStart else { return }
        logicalStart = offset
        var bytes = ByteBuffer()
        bytes.writeString(String(offset.value))
        try fileSystem.writeAtomically(bytes, to: Self.startFile(directory))
        try writer.partition.withLock { (store: PartitionStore) throws(StorageError) in
            _ = try store.deleteOldSegments { segment, _ in segment.nextOffset <= offset }
        }
        if cacheStart < offset {
            cache.removeAll()
        }
    }

    /// The first offset stored at or after `date`.
    func firstOffset(storedAtOrAfter date: Date) -> Offset {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1_000).rounded(.up))
        return max(startOffset, writer.partition.withLock { $0.firstOffset(atOrAfter: milliseconds) })
    }

    /// Forgets cached events (after a seek, say): they stay correct, this only frees memory.
    func dropCache() {
        cache.removeAll()
    }
}
