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
    /// Where a middle-of-log corruption was found (reads at or past it fail), if anywhere.
    private(set) var corruption: SegmentCorruption?

    private init(
        baseOffset: Offset,
        directory: String,
        file: any LogFile,
        fileSystem: any LogFileSystem,
        index: SegmentIndex,
        size: Int64,
        nextOffset: Offset,
        corruption: SegmentCorruption?
    ) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.file = file
        self.fileSystem = fileSystem
        self.index = index
        self.size = size
        self.nextOffset = nextOffset
        self.corruption = corruption
    }

    var isEmpty: Bool { nextOffset == baseOffset }
    var logPath: String { SegmentName.log(directory, baseOffset) }

    /// Creates a new, empty segment.
    static func create(in directory: String, baseOffset: Offset, fileSystem: any LogFileSystem) throws(StorageError) -> Segment {
        let file = try fileSystem.open(SegmentName.log(directory, baseOffset), creating: true)
        try file.truncate(to: 0)
        return Segment(
            baseOffset: baseOffset, directory: directory, file: file, fileSystem: fileSystem,
            index: SegmentIndex(), size: 0, nextOffset: baseOffset, corruption: nil
        )
    }

    /// Opens the newest segment of a partition: scans every batch, cuts off a torn or corrupt tail, rebuilds
    /// the indexes. Returns the segment and what was cut, if anything.
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
            index: scan.index, size: scan.validSize, nextOffset: scan.nextOffset, corruption: nil
        )
        return (segment, truncation)
    }

    /// Opens an older (sealed) segment that ends before `nextOffset`. Uses its saved indexes when they are
    /// consistent, otherwise scans it. Corruption inside it is recorded, not repaired: the segment stays
    /// readable up to the damage.
    static func openSealed(
        in directory: String,
        baseOffset: Offset,
        nextOffset: Offset,
        fileSystem: any LogFileSystem
    ) throws(StorageError) -> Segment {
        let file = try fileSystem.open(SegmentName.log(directory, baseOffset), creating: false)
        let fileSize = try file.size()
        if let index = try? loadIndex(directory: directory, baseOffset: baseOffset, nextOffset: nextOffset, fileSize: fileSize, fileSystem: fileSystem) {
            return Segment(
                baseOffset: baseOffset, directory: directory, file: file, fileSystem: fileSystem,
                index: index, size: fileSize, nextOffset: nextOffset, corruption: nil
            )
        }
        let scan = try SegmentScan.scan(file, baseOffset: baseOffset)
        var corruption: SegmentCorruption?
        if scan.invalidBytes > 0 || scan.nextOffset != nextOffset {
            corruption = SegmentCorruption(
                path: SegmentName.log(directory, baseOffset),
                position: scan.validSize,
                offset: scan.nextOffset,
                reason: scan.problem ?? "the segment ends at offset \(scan.nextOffset), the next segment starts at \(nextOffset)"
            )
        }
        let segment = Segment(
            baseOffset: baseOffset, directory: directory, file: file, fileSystem: fileSystem,
            index: scan.index, size: fileSize, nextOffset: nextOffset, corruption: corruption
        )
        if corruption == nil { try? segment.saveIndex() }
        return segment
    }

    private static func loadIndex(
        directory: String,
        baseOffset: Offset,
        nextOffset: Offset,
        fileSize: Int64,
        fileSystem: any LogFileSystem
    ) throws(StorageError) -> SegmentIndex? {
        let offsetsPath = SegmentName.index(directory, baseOffset)
        let timesPath = SegmentName.timeIndex(directory, baseOffset)
        guard fileSystem.fileExists(offsetsPath), fileSystem.fileExists(timesPath) else { return nil }
        let offsets = try readWhole(offsetsPath, fileSystem: fileSystem)
        let times = try readWhole(timesPath, fileSystem: fileSystem)
        return SegmentIndex.load(offsets: offsets, times: times, segmentSize: fileSize, baseOffset: baseOffset, nextOffset: nextOffset)
    }

    private static func readWhole(_ path: String, fileSystem: any LogFileSystem) throws(StorageError) -> ByteBuffer {
        let file = try fileSystem.open(path, creating: false)
        defer { try? file.close() }
        return try file.read(count: Int(try file.size()), at: 0)
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

    /// Saves the indexes beside the segment (atomically, each).
    func saveIndex() throws(StorageError) {
        try fileSystem.writeAtomically(index.encodedOffsets(), to: SegmentName.index(directory, baseOffset))
        try fileSystem.writeAtomically(index.encodedTimes(), to: SegmentName.timeIndex(directory, baseOffset))
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

    /// Reads records from `offset` on, stopping after about `maximumBytes` of batches (always at least
    /// one batch when there is one).
    ///
    /// - Throws: ``StorageError`` when the file cannot be read or the range is corrupt.
    func read(from offset: Offset, maximumBytes: Int) throws(StorageError) -> [LogRecord] {
        guard offset < nextOffset else { return [] }
        var position = index.startPosition(for: max(offset, baseOffset), baseOffset: baseOffset)
        var records: [LogRecord] = []
        var window = ChunkWindow()
        var readBytes = 0
        while position < size, readBytes < maximumBytes || records.isEmpty {
            if let corruption, position >= corruption.position {
                throw .corruption(path: corruption.path, position: corruption.position, reason: corruption.reason)
            }
            var view = window.view(at: position)
            // Read until the view holds the whole batch: a batch may be larger than the byte budget, and
            // its size is known only once its header is in.
            var header = RecordBatch.peekHeader(view)
            while header == nil || (header.map { $0.size > view.readableBytes } ?? false) {
                let wanted = Int64(max(maximumBytes, header?.size ?? RecordBatch.headerSize, 64 * 1024))
                let available = size - position
                guard Int64(view.readableBytes) < min(wanted, available) else { break }
                window = ChunkWindow(start: position, bytes: try file.read(count: Int(min(wanted, available)), at: position))
                view = window.view(at: position)
                header = RecordBatch.peekHeader(view)
            }
            switch RecordBatch.parse(view) {
            case .batch(let batch, let header):
                position += Int64(header.size)
                guard header.lastOffset >= offset else { continue }
                records += batch.records.lazy.filter { $0.offset >= offset }
                readBytes += header.size
            case .incomplete, .corrupt:
                let reason: String
                if case .corrupt(let problem) = RecordBatch.parse(view) { reason = problem } else { reason = "batch ends past the segment" }
                corruption = SegmentCorruption(path: logPath, position: position, offset: offset, reason: reason)
                throw .corruption(path: logPath, position: position, reason: reason)
            }
        }
        return records
    }

    /// The first offset whose batch has a timestamp at or after `timestamp`, or `nil` if none here.
    func firstOffset(atOrAfter timestamp: Int64) -> Offset? {
        index.firstRelativeOffset(atOrAfter: timestamp).map { Offset(baseOffset.value + Int64($0)) }
    }
}

/// Bytes cut from the tail of a partition on recovery.
public struct TailTruncation: Sendable, Hashable, CustomStringConvertible {
    /// The segment file.
    public var path: String
    /// Where the cut was made.
    public var position: Int64
    /// How many bytes were cut.
    public var bytes: Int64
    /// The first offset that was not recovered (the next offset after the cut).
    public var fromOffset: Offset
    /// What was wrong with the bytes.
    public var reason: String

    public var description: String {
        "cut \(bytes) bytes at byte \(position) of \(path) (from offset \(fromOffset)): \(reason)"
    }
}

/// Damage found inside a sealed segment.
public struct SegmentCorruption: Sendable, Hashable, CustomStringConvertible {
    /// The segment file.
    public var path: String
    /// The byte position of the first bad batch.
    public var position: Int64
    /// The first offset that cannot be read.
    public var offset: Offset
    /// What is wrong.
    public var reason: String

    public var description: String { "corruption in \(path) at byte \(position) (offset \(offset)): \(reason)" }
}
