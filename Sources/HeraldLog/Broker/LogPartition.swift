import DequeModule
import Herald
import Logging
import NIOCore
import NIOPosix

import struct Foundation.Date

/// One partition of a log topic as the broker sees it: the store behind its lock, its group-commit writer,
/// the logical start offset retention has moved to, and a bounded cache of decoded events for consumers.
/// Not thread-safe apart from the writer: its topic's lock guards it.
package final class LogPartition: PartitionRecords {
    let index: Partition
    let writer: PartitionWriter
    private let directory: String
    private let fileSystem: any LogFileSystem
    /// Reads the partition's events off its topic's lock.
    private let reader: PartitionReader
    private let logger: Logger
    /// The offset whose read failure was last logged, so a consumer stuck on damage logs it once.
    private var reportedFailure: Offset?
    /// Events below this are gone by retention, even if their segment is still on disk.
    private(set) var logicalStart: Offset
    private var cache: Deque<StoredEvent> = []
    private var cacheStart = Offset(0)
    /// Payload bytes in the cache.
    private var cachedBytes = 0
    /// An offset a consumer needs that is not cached; ``takeLoadRequest()`` hands it to the broker.
    private var wantedOffset: Offset?
    /// Whether a load requested by ``takeLoadRequest()`` is still running.
    private var isLoading = false
    /// An offset a load failed to read (damage): consumers wait there rather than re-read it each time.
    private var unreadableOffset: Offset?

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
        self.reader = PartitionReader(
            index: index, writer: writer, directory: directory, cacheLimit: cacheLimit, cacheBytes: cacheBytes
        )
        self.logger = logger
        (self.endOffset, self.storeStart, self.storedBytes) = writer.partition.withLock { ($0.endOffset, $0.startOffset, $0.bytes) }
    }

    static func startFile(_ directory: String) -> String { "\(directory)/start.offset" }

    package var startOffset: Offset {
        max(logicalStart, storeStart)
    }

    /// The oldest offset in the store's segments; kept here (refreshed when retention deletes segments) so
    /// that publishes and consumers need not take the store's lock for it.
    private var storeStart: Offset

    /// The offset the next event gets, as committed and announced by the writer (see ``didCommit(_:)``):
    /// consumers read it once per event, so it is kept here under the topic's lock rather than read
    /// through the store's.
    package private(set) var endOffset: Offset

    /// Bytes on disk (whole segments): kept here, grown by each commit and refreshed when retention
    /// deletes segments, so that every publish's size check needs no store lock.
    private(set) var storedBytes: Int64

    /// Retention's file work decided and not yet done (see ``retire(below:)``).
    private var pendingRetirement = PartitionRetirement()

    private func cached(_ offset: Offset) -> StoredEvent? {
        guard offset >= cacheStart, offset.value < cacheStart.value + Int64(cache.count) else { return nil }
        return cache[Int(offset.value - cacheStart.value)]
    }

    /// The event at `offset` if it is cached; otherwise `nil`, and the offset is remembered for the broker
    /// to load off its lock, on its I/O threads (see ``takeLoadRequest()``).
    package func readyRecord(at offset: Offset) -> StoredEvent? {
        if let hit = cached(offset), offset >= logicalStart {
            loadAheadIfNeeded(consumedThrough: offset)
            return hit
        }
        guard offset >= startOffset, offset < endOffset, offset != unreadableOffset else { return nil }
        if wantedOffset == nil { wantedOffset = offset }
        return nil
    }

    /// Up to `maximum` consecutive cached events from `offset` on, in one slice of the cache; when
    /// `offset` is not cached, what ``readyRecord(at:)`` does (empty, and a load is asked for).
    package func readyRecords(from offset: Offset, maximum: Int) -> [StoredEvent] {
        guard maximum > 0 else { return [] }
        guard offset >= logicalStart, offset >= cacheStart, offset.value < cacheStart.value + Int64(cache.count) else {
            return readyRecord(at: offset).map { [$0] } ?? []
        }
        let first = Int(offset.value - cacheStart.value)
        let last = min(cache.count, first + maximum)
        loadAheadIfNeeded(consumedThrough: Offset(cacheStart.value + Int64(last - 1)))
        return Array(cache[first..<last])
    }

    /// Asks for the events after the cache once a consumer has gone past half of it, so that they are
    /// read and decoded on an I/O thread while it handles the rest (rather than after it ran out).
    private func loadAheadIfNeeded(consumedThrough offset: Offset) {
        let cacheEnd = Offset(cacheStart.value + Int64(cache.count))
        guard wantedOffset == nil, !isLoading, cacheEnd < endOffset, cacheEnd.value - offset.value <= Int64(cache.count / 2) else { return }
        wantedOffset = cacheEnd
    }

    /// A load of what consumers wait for, if one is wanted and none is running; the caller must finish it
    /// with ``finishLoad(_:result:)``. Called under the topic's lock.
    func takeLoadRequest() -> LoadRequest? {
        guard let offset = wantedOffset, !isLoading else { return nil }
        wantedOffset = nil
        isLoading = true
        // A load that continues the cache reads half of its bounds: appended, it then displaces the half
        // consumers have gone past, not the half they are reading.
        let continues = !cache.isEmpty && offset.value == cacheStart.value + Int64(cache.count)
        return LoadRequest(
            reader: reader, offset: offset, start: startOffset, end: endOffset,
            limit: continues ? max(1, reader.cacheLimit / 2) : reader.cacheLimit,
            maximumBytes: continues ? max(1, reader.cacheBytes / 2) : reader.cacheBytes
        )
    }

    /// Installs what a load read (under the topic's lock).
    func finishLoad(_ request: LoadRequest, result: Result<[StoredEvent], StorageError>) {
        isLoading = false
        switch result {
        case .success(let records):
            guard let first = records.first, first.offset == request.offset, first.offset >= logicalStart else { return }
            if !cache.isEmpty, first.offset.value == cacheStart.value + Int64(cache.count) {
                appendToCache(records)
            } else {
                replaceCache(with: records)
            }
        case .failure(let error):
            unreadableOffset = request.offset
            reportUnreadable(request.offset, error)
        }
    }

    private func reportUnreadable(_ offset: Offset, _ error: StorageError) {
        // Consumers stop at damage rather than skip it; say so once per offset.
        guard reportedFailure != offset else { return }
        reportedFailure = offset
        logger.error(
            "consumers cannot read past a damaged range; they wait there until it is repaired or skipped with a seek",
            metadata: [LogKey.partition: "\(index.index)", LogKey.offset: "\(offset.value)", LogKey.error: "\(error)"]
        )
    }

    /// Makes `records` (consecutive, not empty) the cache.
    private func replaceCache(with records: [StoredEvent]) {
        cache = Deque(records)
        cachedBytes = records.reduce(0) { $0 + $1.event.payloadSize }
        cacheStart = records.first?.offset ?? cacheStart
    }

    /// Makes a commit's records readable: moves the end past them and caches their events (see
    /// ``cacheCommitted(_:from:timestamp:)``). Called under the topic's lock by the writer's commit
    /// callback, before any publisher of the commit resumes.
    func didCommit(_ batch: PartitionWriter.Committed) {
        endOffset = max(endOffset, Offset(batch.base.value + Int64(batch.count)))
        storedBytes += Int64(batch.bytes)
        if !batch.events.isEmpty {
            cacheCommitted(batch.events, from: batch.base, timestamp: batch.timestamp)
        }
    }

    /// Adds loaded events that continue the cache, dropping its oldest to keep its bounds.
    private func appendToCache(_ records: [StoredEvent]) {
        for record in records {
            cache.append(record)
            cachedBytes += record.event.payloadSize
        }
        trimCache()
    }

    /// Drops the oldest cached events while the cache is over its bounds (it keeps at least one).
    private func trimCache() {
        while cache.count > 1, cache.count > reader.cacheLimit || cachedBytes > reader.cacheBytes, let oldest = cache.popFirst() {
            cachedBytes -= oldest.event.payloadSize
            cacheStart = cacheStart.next
        }
    }

    /// Adds just-committed events to the cache when they continue it (or the cache is empty): a consumer
    /// following the tail then finds them without a load from disk. The cache keeps its bounds by dropping
    /// its oldest events. Called under the topic's lock.
    private func cacheCommitted(_ events: [Event], from base: Offset, timestamp: Int64) {
        let cacheEnd = Offset(cacheStart.value + Int64(cache.count))
        if cache.isEmpty {
            cacheStart = base
        } else if cacheEnd != base {
            return
        }
        let storedAt = Date(timeIntervalSince1970: Double(timestamp) / 1_000)
        for (position, event) in events.enumerated() {
            cache.append(StoredEvent(event: event, partition: index, offset: Offset(base.value + Int64(position)), storedAt: storedAt))
            cachedBytes += event.payloadSize
        }
        trimCache()
        if let wanted = wantedOffset, cached(wanted) != nil { wantedOffset = nil }
    }

    /// The event at `offset`, from the cache or read (and cached, with what follows it) from disk on the
    /// calling thread: for the rare paths (dead letters, restoring a group), not for consumers' hot path.
    package func record(at offset: Offset) -> StoredEvent? {
        guard offset >= startOffset else { return nil }
        if let hit = cached(offset) { return hit }
        let records: [StoredEvent]
        do {
            records = try read(from: offset, limit: reader.cacheLimit, maximumBytes: reader.cacheBytes)
        } catch {
            reportUnreadable(offset, error)
            return nil
        }
        guard let first = records.first, first.offset == offset else { return nil }
        replaceCache(with: records)
        return first
    }

    /// Decoded events from `offset` on, at most `limit` of them and, past the first, at most about
    /// `maximumBytes` of payload.
    ///
    /// - Throws: ``StorageError`` when the range cannot be read.
    func read(from offset: Offset, limit: Int, maximumBytes: Int = .max) throws(StorageError) -> [StoredEvent] {
        try reader.read(from: max(offset, startOffset), before: endOffset, limit: limit, maximumBytes: maximumBytes)
    }

    /// What a read needs, taken under the topic's lock so that the read itself can run off it.
    var readRange: (reader: PartitionReader, start: Offset, end: Offset) { (reader, startOffset, endOffset) }

    // MARK: Retention

    /// The partition as retention sees it (under the topic's lock).
    func retentionView(acknowledgedByAll floor: Offset?) -> PartitionRetentionView {
        let (sealed, activeBytes) = writer.partition.withLock { $0.retentionSummaries }
        let start = startOffset
        return PartitionRetentionView(
            partition: index.index, start: start, end: endOffset, acknowledgedByAll: floor,
            sealedSegments: sealed.filter { $0.nextOffset > start }, activeBytes: activeBytes
        )
    }

    /// When the event at `offset` was stored, as the segments' time indexes know it (milliseconds since 1970).
    func ingestTime(at offset: Offset) -> Int64? {
        writer.partition.withLock { $0.ingestTime(at: offset) }
    }

    /// Moves the logical start forward (retention) in memory, under the topic's lock: the events below are
    /// gone for readers at once, and the segments wholly below leave the store. Persisting the start and
    /// deleting the files is left to ``takeRetirement()``, for after the lock.
    func retire(below offset: Offset) {
        guard offset > logicalStart else { return }
        logicalStart = offset
        let detached = writer.partition.withLock { store in
            let detached = store.detachSegments(below: offset)
            (storeStart, storedBytes) = (store.startOffset, store.bytes)
            return detached
        }
        pendingRetirement.merge(PartitionRetirement(start: offset, segments: detached))
        if cacheStart < offset {
            cache.removeAll()
            cachedBytes = 0
        }
        if let wanted = wantedOffset, wanted < offset { wantedOffset = nil }
    }

    /// The file work retention left, to run off the topic's lock (taken under it); `nil` when there is none.
    func takeRetirement() -> PartitionRetirement? {
        guard !pendingRetirement.isEmpty else { return nil }
        defer { pendingRetirement = PartitionRetirement() }
        return pendingRetirement
    }

    /// Gives back file work that failed, to be tried again (under the topic's lock): a start decided since
    /// replaces the failed one.
    func returnRetirement(_ left: PartitionRetirement) {
        var returned = left
        returned.merge(pendingRetirement)
        pendingRetirement = returned
    }

    /// Does retention's file work, off the topic's lock: it touches only the partition's directory and file
    /// system, which never change. Returns what is left after a failure, with the failure.
    func perform(_ retirement: PartitionRetirement) -> (left: PartitionRetirement, failure: StorageError?) {
        retirement.run(directory: directory, fileSystem: fileSystem)
    }

    /// The first offset stored at or after `date`.
    func firstOffset(storedAtOrAfter date: Date) -> Offset {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1_000).rounded(.up))
        return max(startOffset, writer.partition.withLock { $0.firstOffset(atOrAfter: milliseconds) })
    }

    /// Forgets cached events (after a seek, say): they stay correct, this only frees memory. A seek is
    /// also how an operator moves consumers past damage, so the unreadable mark is forgotten too.
    func dropCache() {
        cache.removeAll()
        cachedBytes = 0
        unreadableOffset = nil
    }
}
