import Herald
import NIOCore

/// One segment file of a partition and its indexes. Not thread-safe: its ``PartitionStore`` serialises
/// appends; reads of bytes below ``size`` may run alongside an append.
final class Segment {
    let baseOffset: Offset
    let directory: String
    let file: any LogFile
    private let fileSystem: any LogFileSystem
    private(set) var index: SegmentIndex
    /// Bytes of whole batches in the file.
    private(set) var size: Int64
    /// The offset the next batch appended here gets.
    private(set) var nextOffset: Offset
    /// Damaged ranges found so far (at open or by reads), in offset order; reads of them fail, reads around
    /// them are served.
    private(set) var damages: [SegmentCorruption]

    private init(
        baseOffset: Offset,
        directory: String,
        file: any LogFile,
        fileSystem: any LogFileSystem,
        index: SegmentIndex,
        size: Int64,
        nextOffset: Offset,
        damages: [SegmentCorruption]
    ) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.file = file
        self.fileSystem = fileSystem
        self.index = index
        self.size = size
        self.nextOffset = nextOffset
        self.damages = damages
    }

    var isEmpty: Bool { nextOffset == baseOffset }
    var logPath: String { SegmentName.log(directory, baseOffset) }

    /// Creates a new, empty segment.
    static func create(in directory: String, baseOffset: Offset, fileSystem: any LogFileSystem) throws(StorageError) -> Segment {
        let file = try fileSystem.open(SegmentName.log(directory, baseOffset), creating: true)
        try file.truncate(to: 0)
        return Segment(
            baseOffset: baseOffset, directory: directory, file: file, fileSystem: fileSystem,
            index: SegmentIndex(), size: 0, nextOffset: baseOffset, damages: []
        )
    }

    /// Opens the newest segment of a partition: scans every batch, cuts off an invalid tail that no valid
    /// batch follows (a torn write), keeps and records damage that valid batches follow, rebuilds the
    /// indexes. Returns the segment and what was cut, if anything.
    static func recoverActive(
        in directory: String,
        baseOffset: Offset,
        fileSystem: any LogFileSystem
    ) throws(StorageError) -> (Segment, TailTruncation?) {
        let file = try fileSystem.open(SegmentName.log(directory, baseOffset), creating: false)
        let scan = try SegmentScan.scan(file, baseOffset: baseOffset)
        var truncation: TailTruncation?
        if scan.invalidBytes > 0 {
            try file.truncate(to: scan.validSize)
            try file.sync()
            truncation = TailTruncation(
                path: SegmentName.log(directory, baseOffset),
                position: scan.validSize,
                bytes: scan.invalidBytes,
                fromOffset: scan.nextOffset,
                reason: scan.problem ?? "bytes after the last whole batch"
            )
        }
        let segment = Segment(
            baseOffset: baseOffset, directory: directory, file: file, fileSystem: fileSystem,
            index: scan.index, size: scan.validSize, nextOffset: scan.nextOffset, damages: scan.damages
        )
        return (segment, truncation)
    }

    /// Opens an older (sealed) segment that ends before `nextOffset`. Uses its saved indexes when they are
    /// whole (checksum) and consistent with the file, otherwise scans it. Damage inside it is recorded, not
    /// repaired: every valid batch stays readable, and so does the damaged range's report. Offsets between
    /// the segment's real end and `nextOffset` (a deleted or shortened file) are recorded as damage too.
    static func openSealed(
        in directory: String,
        baseOffset: Offset,
        nextOffset: Offset,
        fileSystem: any LogFileSystem
    ) throws(StorageError) -> (segment: Segment, rebuiltIndex: String?) {
        let path = SegmentName.log(directory, baseOffset)
        let file = try fileSystem.open(path, creating: false)
        let fileSize = try file.size()
        let saved = loadIndex(directory: directory, baseOffset: baseOffset, fileSize: fileSize, fileSystem: fileSystem)
        if case .loaded(let index, let end, _) = saved {
            let segment = Segment(
                baseOffset: baseOffset, directory: directory, file: file, fileSystem: fileSystem,
                index: index, size: fileSize, nextOffset: nextOffset,
                damages: missingOffsets(path: path, at: fileSize, from: end, to: nextOffset).map { [$0] } ?? []
            )
            return (segment, nil)
        }
        let scan = try SegmentScan.scan(file, baseOffset: baseOffset)
        var damages = scan.damages
        if scan.invalidBytes > 0 {
            damages.append(
                SegmentCorruption(
                    path: path, position: scan.validSize, endPosition: fileSize, offset: scan.nextOffset,
                    endOffset: max(scan.nextOffset, nextOffset), reason: scan.problem ?? "invalid bytes after the last whole batch"
                )
            )
        } else if let missing = missingOffsets(path: path, at: fileSize, from: scan.nextOffset, to: nextOffset) {
            damages.append(missing)
        }
        let segment = Segment(
            baseOffset: baseOffset, directory: directory, file: file, fileSystem: fileSystem,
            index: scan.index, size: fileSize, nextOffset: nextOffset, damages: damages
        )
        // A damaged segment keeps no saved index, so that every open scans it and reports the damage.
        if damages.isEmpty { try? segment.saveIndex() }
        switch saved {
        case .invalid(let reason): return (segment, "\(SegmentName.index(directory, baseOffset)): \(reason)")
        case .missing: return (segment, "\(SegmentName.index(directory, baseOffset)): missing")
        case .loaded: return (segment, nil)
        }
    }

    /// The damage of offsets `end..<next` missing between a segment's last batch and the next segment, or
    /// `nil` when none are missing.
    private static func missingOffsets(path: String, at size: Int64, from end: Offset, to next: Offset) -> SegmentCorruption? {
        guard end != next else { return nil }
        let reason =
            end < next
            ? "the segment ends at offset \(end.value) but the next one starts at \(next.value): the events between are missing (a segment file was deleted or cut)"
            : "the segment ends at offset \(end.value), past the next segment's start \(next.value)"
        return SegmentCorruption(path: path, position: size, endPosition: size, offset: min(end, next), endOffset: next, reason: reason)
    }

    /// What the saved indexes of a segment are worth.
    enum SavedIndex {
        case loaded(SegmentIndex, end: Offset, sealed: Bool)
        case missing
        case invalid(String)
    }

    static func loadIndex(directory: String, baseOffset: Offset, fileSize: Int64, fileSystem: any LogFileSystem) -> SavedIndex {
        let offsetsPath = SegmentName.index(directory, baseOffset)
        let timesPath = SegmentName.timeIndex(directory, baseOffset)
        guard fileSystem.fileExists(offsetsPath), fileSystem.fileExists(timesPath) else { return .missing }
        do throws(StorageError) {
            let offsets = try readWhole(offsetsPath, fileSystem: fileSystem)
            let times = try readWhole(timesPath, fileSystem: fileSystem)
            switch SegmentIndex.load(offsets: offsets, times: times, segmentSize: fileSize, baseOffset: baseOffset) {
            case .success(let loaded): return .loaded(loaded.index, end: loaded.nextOffset, sealed: loaded.sealed)
            case .failure(let problem): return .invalid(problem.reason)
            }
        } catch {
            return .invalid(error.message)
        }
    }

    private static func readWhole(_ path: String, fileSystem: any LogFileSystem) throws(StorageError) -> ByteBuffer {
        let file = try fileSystem.open(path, creating: false)
        defer { try? file.close() }
        let size = try file.size()
        guard size <= SegmentIndex.maximumFileBytes else {
            throw .corruption(path: path, position: 0, reason: "an index file of \(size) bytes is larger than any index can be")
        }
        return try file.read(count: Int(size), at: 0)
    }

    // MARK: Writing

    /// Accounts for batches (whose headers are given, in order) written at the end of the file by the
    /// partition's writer: they become part of the segment and readable.
    func didAppend(_ headers: [RecordBatch.Header]) {
        var position = size
        for header in headers {
            index.record(header, at: position, baseOffset: baseOffset)
            position += Int64(header.size)
            nextOffset = header.nextOffset
        }
        size = position
    }

    /// Makes everything written durable.
    func sync() throws(StorageError) {
        try file.sync()
    }

    /// Saves the indexes beside the segment (atomically, each, with the segment's size and end offset and a
    /// checksum, so that a load can tell they belong to the file as it is).
    func saveIndex(sealed: Bool = true) throws(StorageError) {
        try fileSystem.writeAtomically(
            index.encodedOffsets(segmentSize: size, nextOffset: nextOffset, sealed: sealed), to: SegmentName.index(directory, baseOffset))
        try fileSystem.writeAtomically(
            index.encodedTimes(segmentSize: size, nextOffset: nextOffset, sealed: sealed), to: SegmentName.timeIndex(directory, baseOffset))
    }

    /// Records offsets from the segment's end up to `end` as missing (their events are lost: `reason` says
    /// how) and moves its end there, so that the next segment can start at `end`. Call after the segment's
    /// indexes were saved for the last time: they keep its real end, so the next open finds the gap too.
    func markMissing(upTo end: Offset, reason: String) {
        guard end > nextOffset else { return }
        damages.append(SegmentCorruption(path: logPath, position: size, endPosition: size, offset: nextOffset, endOffset: end, reason: reason))
        nextOffset = end
    }

    /// What retention sees of the segment.
    var summary: SegmentSummary {
        SegmentSummary(baseOffset: baseOffset, nextOffset: nextOffset, bytes: size, maxTimestamp: index.maxTimestamp, isDamaged: !damages.isEmpty)
    }

    /// When the event at `offset` (in this segment) was stored, as the time index knows it.
    func ingestTime(at offset: Offset) -> Int64? {
        index.newestTimestamp(upTo: UInt32(clamping: offset.value - baseOffset.value))
    }

    /// Closes the file.
    func close() throws(StorageError) {
        try file.close()
    }

    /// Closes and deletes the segment's files.
    func delete() throws(StorageError) {
        try? file.close()
        for path in [logPath, SegmentName.index(directory, baseOffset), SegmentName.timeIndex(directory, baseOffset)]
        where fileSystem.fileExists(path) {
            try fileSystem.removeItem(path)
        }
    }

    // MARK: Reading

    /// The known damage whose offsets hold `offset`, if any.
    func damage(covering offset: Offset) -> SegmentCorruption? {
        damages.first { $0.covers(offset) }
    }

    /// Reads records from `offset` on, stopping after about `maximumBytes` of batches (always at least
    /// one batch when there is one) or at damage. The first read that finds damage not known yet scans the
    /// segment to record every damaged range exactly; reads then resynchronise on the valid batch after each.
    ///
    /// - Throws: ``StorageError/damaged(_:)`` when `offset` is in a damaged range; ``StorageError`` when the
    ///   file cannot be read.
    func read(from offset: Offset, maximumBytes: Int) throws(StorageError) -> [LogRecord] {
        guard offset < nextOffset else { return [] }
        if let damage = damage(covering: offset) { throw damage.error }
        var (position, expected) = index.startEntry(for: max(offset, baseOffset), baseOffset: baseOffset)
        if let damage = damage(covering: expected) {
            // The index points into a damaged range that `offset` is past.
            (position, expected) = (damage.endPosition, damage.endOffset)
        }
        var records: [LogRecord] = []
        var reader = BatchReader(file: file, end: size, chunkSize: max(maximumBytes, 64 * 1024))
        var readBytes = 0
        while expected < nextOffset, readBytes < maximumBytes || records.isEmpty {
            if let damage = damages.first(where: { $0.offset == expected && $0.position == position }) {
                // Known damage ahead: what was read comes first; a read from past it skips it.
                if !records.isEmpty || damage.covers(offset) { break }
                (position, expected) = (damage.endPosition, damage.endOffset)
                continue
            }
            if position < size, case .batch(let batch, let header) = try reader.batch(at: position), header.baseOffset == expected {
                position += Int64(header.size)
                expected = header.nextOffset
                guard header.lastOffset >= offset else { continue }
                records += batch.records.lazy.filter { $0.offset >= offset }
                readBytes += header.size
                continue
            }
            // Damage not known yet: find every damaged range of the segment, then serve what was read or
            // read again around the damage.
            let known = damages.count
            try rescan()
            guard damages.count > known else {
                throw .corruption(path: logPath, position: position, reason: "the bytes changed while they were read")
            }
            if !records.isEmpty { break }
            return try read(from: offset, maximumBytes: maximumBytes)
        }
        if records.isEmpty, let damage = damage(covering: offset) { throw damage.error }
        return records
    }

    /// Scans the segment's committed bytes and records every damaged range in them (for the active segment,
    /// nothing past ``size``, which its writer may be appending to).
    private func rescan() throws(StorageError) {
        let scan = try SegmentScan.scan(file, baseOffset: baseOffset, end: size)
        var found = scan.damages
        if scan.invalidBytes > 0 || scan.nextOffset < nextOffset {
            found.append(
                SegmentCorruption(
                    path: logPath, position: scan.validSize, endPosition: size, offset: scan.nextOffset, endOffset: nextOffset,
                    reason: scan.problem ?? "the segment's batches end at offset \(scan.nextOffset.value), before its end \(nextOffset.value)"
                )
            )
        }
        damages = found
    }

    /// The first offset whose batch has a timestamp at or after `timestamp`, or `nil` if none here.
    func firstOffset(atOrAfter timestamp: Int64) -> Offset? {
        index.firstRelativeOffset(atOrAfter: timestamp).map { Offset(baseOffset.value + Int64($0)) }
    }
}
