import Herald
import Logging
import NIOCore

/// The segments of one topic partition: appends to the newest, reads from any, recovery on open,
/// retention by whole segments. Not thread-safe: its owner serialises calls.
final class PartitionStore {
    /// How the store lays out segments.
    struct Options: Sendable {
        /// A new segment starts once the active one holds this many bytes. Default 64 MiB.
        var segmentBytes: Int64 = 64 * 1024 * 1024
    }

    let directory: String
    let partition: Partition
    private let fileSystem: any LogFileSystem
    private let options: Options
    /// Oldest first; never empty; the last one is active.
    private(set) var segments: [Segment]
    /// What recovery cut from the tail when the store was opened.
    private(set) var recoveredTruncation: TailTruncation?

    private init(directory: String, partition: Partition, fileSystem: any LogFileSystem, options: Options, segments: [Segment]) {
        self.directory = directory
        self.partition = partition
        self.fileSystem = fileSystem
        self.options = options
        self.segments = segments
    }

    /// The active segment.
    private var active: Segment {
        // Invariant: `segments` is never empty.
        segments[segments.count - 1]
    }

    /// The active segment's file (a handle safe to sync from any thread).
    var activeFile: any LogFile { active.file }

    /// The oldest offset held, or the first offset of a damaged range of missing offsets before the first
    /// segment.
    var startOffset: Offset { leadingGap?.offset ?? segments[0].baseOffset }
    /// Offsets missing before the first segment (its file, or the files of the oldest, deleted other than by
    /// retention): reads of them fail.
    private var leadingGap: SegmentCorruption?
    /// Found at open: the newest segment file was missing (an empty range: how many events it held is not
    /// known).
    private var missingNewest: SegmentCorruption?
    /// The offset the next record gets.
    var endOffset: Offset { active.nextOffset }
    /// Bytes held, all segments.
    var bytes: Int64 { segments.reduce(0) { $0 + $1.size } }
    /// Damaged ranges found so far, at open or by reads, in offset order.
    var corruptions: [SegmentCorruption] { [leadingGap].compactMap { $0 } + segments.flatMap(\.damages) + [missingNewest].compactMap { $0 } }
    /// Saved indexes found damaged or stale at open, and rebuilt from their segments.
    private(set) var rebuiltIndexes: [String] = []

    /// Opens (recovering) or creates the partition's directory.
    ///
    /// - Throws: ``StorageError`` when files cannot be read or written.
    /// `expectedStart` is where the partition started as far as the broker knows (retention's start): offsets
    /// between it and the first segment are missing, reported as damage.
    static func open(
        directory: String,
        partition: Partition,
        fileSystem: any LogFileSystem,
        options: Options = Options(),
        expectedStart: Offset = 0,
        logger: Logger
    ) throws(StorageError) -> PartitionStore {
        try fileSystem.createDirectory(directory)
        let bases = try fileSystem.contentsOfDirectory(directory).compactMap(SegmentName.baseOffset(ofLogFile:)).sorted()
        guard let newest = bases.last else {
            let segment = try Segment.create(in: directory, baseOffset: 0, fileSystem: fileSystem)
            try fileSystem.syncDirectory(directory)
            return PartitionStore(directory: directory, partition: partition, fileSystem: fileSystem, options: options, segments: [segment])
        }
        var segments: [Segment] = []
        var rebuiltIndexes: [String] = []
        for (position, base) in bases.dropLast().enumerated() {
            let next = bases[position + 1]
            let (segment, rebuilt) = try Segment.openSealed(in: directory, baseOffset: base, nextOffset: next, fileSystem: fileSystem)
            if let rebuilt {
                logger.warning("a saved segment index was damaged or stale and is rebuilt from its segment", metadata: ["herald.reason": "\(rebuilt)"])
                rebuiltIndexes.append(rebuilt)
            }
            segments.append(segment)
        }
        let (active, truncation) = try Segment.recoverActive(in: directory, baseOffset: newest, fileSystem: fileSystem)
        for damage in (segments + [active]).flatMap(\.damages) {
            logger.error(
                "damaged range in a segment; its offsets cannot be read, those before and after are served",
                metadata: ["herald.corruption": "\(damage)"]
            )
        }
        if let truncation {
            logger.warning(
                "recovery cut a torn or corrupt tail",
                metadata: [
                    "herald.path": "\(truncation.path)", "herald.bytes": "\(truncation.bytes)",
                    "herald.from.offset": "\(truncation.fromOffset.value)", "herald.reason": "\(truncation.reason)",
                ])
        }
        segments.append(active)
        let store = PartitionStore(directory: directory, partition: partition, fileSystem: fileSystem, options: options, segments: segments)
        store.recoveredTruncation = truncation
        store.rebuiltIndexes = rebuiltIndexes
        if let first = bases.first, first > expectedStart {
            store.leadingGap = SegmentCorruption(
                path: SegmentName.log(directory, first), position: 0, endPosition: 0, offset: expectedStart, endOffset: first,
                reason: "the partition starts at offset \(expectedStart.value) but its oldest segment at \(first.value): the segment files between are missing"
            )
        }
        // A newest segment whose saved index says it was sealed had a newer one after it: that file is gone.
        if case .loaded(_, let end, sealed: true) = Segment.loadIndex(directory: directory, baseOffset: newest, fileSize: active.size, fileSystem: fileSystem),
            end == active.nextOffset
        {
            store.missingNewest = SegmentCorruption(
                path: SegmentName.log(directory, end), position: 0, endPosition: 0, offset: end, endOffset: end,
                reason:
                    "the newest segment file, from offset \(end.value), is missing: the events it held are lost (how many is not known); new events take offsets from \(end.value) on"
            )
            try store.roll()
        }
        for damage in [store.leadingGap, store.missingNewest].compactMap({ $0 }) {
            logger.error("missing segment files", metadata: ["herald.corruption": "\(damage)"])
        }
        return store
    }

    // MARK: Appending

    /// Encodes `batches` (each a list of records sharing one timestamp) to follow `next`. Needs no store:
    /// the partition's single writer encodes outside the store's lock, then ``prepare(_:)`` places the bytes.
    static func encode(_ batches: [(timestamp: Int64, records: BatchRecords)], from next: Offset) -> EncodedAppend {
        var buffer = ByteBuffer()
        var headers: [RecordBatch.Header] = []
        var bases: [Offset] = []
        var sizes: [Int] = []
        var next = next
        for batch in batches {
            guard !batch.records.isEmpty else {
                bases.append(next)
                sizes.append(0)
                continue
            }
            let start = buffer.writerIndex
            RecordBatch.encode(baseOffset: next, timestamp: batch.timestamp, records: batch.records, into: &buffer)
            // One batch, or several when the records would make a batch larger than a reader accepts.
            var position = start
            while position < buffer.writerIndex,
                let header = buffer.getSlice(at: position, length: buffer.writerIndex - position).flatMap(RecordBatch.peekHeader)
            {
                headers.append(header)
                next = header.nextOffset
                position += header.size
            }
            bases.append(Offset(next.value - Int64(batch.records.count)))
            sizes.append(buffer.writerIndex - start)
        }
        return EncodedAppend(bytes: buffer, headers: headers, baseOffsets: bases, batchSizes: sizes)
    }

    /// Places encoded batches at the current end, rolling to a new segment first if the active one is
    /// full. Nothing is written: the writer writes ``PreparedAppend/bytes`` at ``PreparedAppend/position``
    /// of ``PreparedAppend/segment`` outside the store's lock, then calls ``commit(_:)`` (or ``abort(_:)``
    /// if the write failed).
    ///
    /// - Throws: ``StorageError`` when rolling fails.
    func prepare(_ encoded: EncodedAppend) throws(StorageError) -> PreparedAppend {
        precondition(encoded.baseOffsets.first.map { $0 == endOffset } ?? true, "an append must start at the partition's end")
        if active.size >= options.segmentBytes && !active.isEmpty {
            try roll()
        }
        return PreparedAppend(
            segment: active, position: active.size, bytes: encoded.bytes, headers: encoded.headers, baseOffsets: encoded.baseOffsets,
            batchSizes: encoded.batchSizes
        )
    }

    /// Makes a written append part of the partition (readable, counted).
    func commit(_ prepared: PreparedAppend) {
        prepared.segment.didAppend(prepared.headers)
    }

    /// Cuts whatever part of a failed write reached the file, so the next append starts on a batch boundary.
    func abort(_ prepared: PreparedAppend) {
        try? prepared.segment.file.truncate(to: prepared.position)
    }

    /// Encodes, writes and commits in one call (not durable until ``sync()``). Returns each batch's first
    /// offset. For single-threaded use; the ``PartitionWriter`` does the same with the write outside the lock.
    ///
    /// - Throws: ``StorageError``; the partition's end is unchanged after a failed write.
    func append(_ batches: [(timestamp: Int64, records: [(key: String?, value: ByteBuffer)])]) throws(StorageError) -> [Offset] {
        try place(Self.encode(batches.map { ($0.timestamp, .values($0.records)) }, from: endOffset))
    }

    /// Prepares, writes and commits encoded batches at the end; returns each batch's first offset.
    ///
    /// - Throws: ``StorageError``; the partition's end is unchanged after a failed write.
    private func place(_ encoded: EncodedAppend) throws(StorageError) -> [Offset] {
        let prepared = try prepare(encoded)
        do {
            try prepared.segment.file.write(prepared.bytes, at: prepared.position)
        } catch {
            abort(prepared)
            throw error
        }
        commit(prepared)
        return prepared.baseOffsets
    }

    /// Appends the batches of a commit journal entry (`bytes`, read from `path` at `position`) that this
    /// partition lacks, those from its end on; batches it already holds are skipped. A batch that starts past
    /// the end (the events between were lost: an earlier entry was damaged) starts a new segment at its
    /// offset, and the offsets between are recorded as damage, served around like a deleted segment's.
    /// Returns how many batches and events it appended, and the offsets found missing. Not durable until
    /// ``sync()``.
    ///
    /// - Throws: ``StorageError/corruption(path:position:reason:)`` when a batch is damaged;
    ///   ``StorageError`` when a write fails.
    func replay(
        _ bytes: ByteBuffer, path: String, position: Int64
    ) throws(StorageError) -> (batches: Int, events: Int, missing: [(position: Int64, offsets: Range<Offset>)]) {
        var remaining = bytes
        var restored = (batches: 0, events: 0, missing: [(position: Int64, offsets: Range<Offset>)]())
        while remaining.readableBytes > 0 {
            let at = position + Int64(remaining.readerIndex - bytes.readerIndex)
            guard case .batch(_, let header) = RecordBatch.parse(remaining, decodeRecords: false),
                let slice = remaining.readSlice(length: header.size)
            else {
                throw .corruption(path: path, position: at, reason: "a journal entry holds a damaged record batch")
            }
            if header.nextOffset <= endOffset { continue }
            if header.baseOffset > endOffset {
                restored.missing.append((at, endOffset..<header.baseOffset))
                try skip(
                    to: header.baseOffset,
                    reason: "the commit journal's entry holding these offsets is damaged (its batches in '\(path)' before byte \(at)): the events are lost")
            }
            guard header.baseOffset == endOffset else {
                throw .corruption(
                    path: path, position: at,
                    reason:
                        "the journal's batch of offsets \(header.baseOffset.value)..<\(header.nextOffset.value) overlaps partition \(partition.index)'s end \(endOffset.value)"
                )
            }
            _ = try place(EncodedAppend(bytes: slice, headers: [header], baseOffsets: [header.baseOffset], batchSizes: [header.size]))
            restored.batches += 1
            restored.events += header.recordCount
        }
        return restored
    }

    /// Seals the active segment, records the offsets from its end to `offset` as missing, and starts a new
    /// segment at `offset`.
    private func skip(to offset: Offset, reason: String) throws(StorageError) {
        try active.sync()
        try active.saveIndex()
        active.markMissing(upTo: offset, reason: reason)
        let segment = try Segment.create(in: directory, baseOffset: offset, fileSystem: fileSystem)
        try fileSystem.syncDirectory(directory)
        segments.append(segment)
    }

    /// Makes everything appended durable.
    func sync() throws(StorageError) {
        try active.sync()
    }

    /// Seals the active segment and starts a new one.
    func roll() throws(StorageError) {
        try active.sync()
        try active.saveIndex()
        let segment = try Segment.create(in: directory, baseOffset: active.nextOffset, fileSystem: fileSystem)
        try fileSystem.syncDirectory(directory)
        segments.append(segment)
    }

    // MARK: Reading

    /// Records from `offset` on, about `maximumBytes` of them from one segment (at least one batch when any
    /// is there).
    ///
    /// - Throws: ``StorageError/corruption(path:position:reason:)`` when the range is damaged.
    func read(from offset: Offset, maximumBytes: Int = 1 << 20) throws(StorageError) -> [LogRecord] {
        if let leadingGap, leadingGap.covers(offset) { throw leadingGap.error }
        let from = max(offset, segments[0].baseOffset)
        guard from < endOffset else { return [] }
        var index = segments.count - 1
        while index > 0 && segments[index].baseOffset > from { index -= 1 }
        // One segment per call; callers read on from the last offset returned.
        while index < segments.count {
            let found = try segments[index].read(from: from, maximumBytes: maximumBytes)
            if !found.isEmpty { return found }
            index += 1
        }
        return []
    }

    /// The first offset stored at or after `timestamp` (milliseconds since 1970), or ``endOffset``.
    func firstOffset(atOrAfter timestamp: Int64) -> Offset {
        for segment in segments {
            if let offset = segment.firstOffset(atOrAfter: timestamp) { return max(offset, startOffset) }
        }
        return endOffset
    }

    // MARK: Retention

    /// Deletes the oldest sealed segments while `shouldDelete` says so; returns the new start offset.
    @discardableResult
    func deleteOldSegments(while shouldDelete: (_ segment: SegmentSummary, _ remainingBytes: Int64) -> Bool) throws(StorageError) -> Offset {
        var total = bytes
        if let gap = leadingGap,
            shouldDelete(SegmentSummary(baseOffset: gap.offset, nextOffset: gap.endOffset, bytes: 0, maxTimestamp: nil, isDamaged: true), total)
        {
            leadingGap = nil
        }
        while segments.count > 1 {
            let oldest = segments[0]
            let summary = oldest.summary
            guard shouldDelete(summary, total) else { break }
            try oldest.delete()
            segments.removeFirst()
            total -= summary.bytes
        }
        try fileSystem.syncDirectory(directory)
        return startOffset
    }

    /// The sealed segments, oldest first, as retention sees them, and the active segment's bytes.
    var retentionSummaries: (sealed: [SegmentSummary], activeBytes: Int64) {
        (segments.dropLast().map(\.summary), active.size)
    }

    /// Takes the sealed segments wholly below `offset` out of the store (and forgets a leading gap below it)
    /// without touching their files: the caller deletes them with ``Segment/delete()`` after leaving the
    /// locks. Readers no longer see them; the start offset moves past them.
    func detachSegments(below offset: Offset) -> [Segment] {
        if let gap = leadingGap, gap.endOffset <= offset { leadingGap = nil }
        var detached: [Segment] = []
        while segments.count > 1, segments[0].nextOffset <= offset {
            detached.append(segments.removeFirst())
        }
        return detached
    }

    /// When the event at `offset` was stored (milliseconds since 1970), as the time indexes know it: the
    /// newest time stored up to its batch. `nil` when the offset is not held.
    func ingestTime(at offset: Offset) -> Int64? {
        guard offset >= startOffset, offset < endOffset else { return nil }
        return segments.last { $0.baseOffset <= offset }?.ingestTime(at: offset)
    }

    /// Syncs the partition's directory (after segment files were deleted).
    func syncDirectory() throws(StorageError) {
        try fileSystem.syncDirectory(directory)
    }

    /// Saves the active segment's indexes and closes every file.
    func close() throws(StorageError) {
        try active.sync()
        try active.saveIndex(sealed: false)
        for segment in segments { try segment.close() }
    }
}

/// Batches encoded for one write, not yet placed in a segment.
struct EncodedAppend: Sendable {
    /// The encoded batches.
    let bytes: ByteBuffer
    /// Their headers, in order.
    let headers: [RecordBatch.Header]
    /// Each batch's first offset, in the order given (an empty batch gets the offset it would have had).
    let baseOffsets: [Offset]
    /// Each batch's size in bytes, in the order given.
    let batchSizes: [Int]
}

/// Batches encoded for one write to the end of a partition.
///
/// `@unchecked Sendable` is safe because the partition's single in-flight writer is its only holder: it
/// passes it to the thread that completes the write (the journal's), and the segment it names is touched
/// there only through its file handle (itself `Sendable`) or under the partition's lock.
struct PreparedAppend: @unchecked Sendable {
    /// The segment the bytes go to (the active one).
    let segment: Segment
    /// Where in its file.
    let position: Int64
    /// The encoded batches.
    let bytes: ByteBuffer
    /// Their headers, in order.
    let headers: [RecordBatch.Header]
    /// Each batch's first offset, in the order given.
    let baseOffsets: [Offset]
    /// Each batch's size in bytes, in the order given.
    let batchSizes: [Int]
}
