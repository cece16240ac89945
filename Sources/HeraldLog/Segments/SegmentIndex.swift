import Herald
import NIOCore

/// A segment's sparse offset and time indexes, kept in memory and saved beside the segment.
///
/// Both are derived data: ``load(offsets:times:segmentSize:baseOffset:)`` accepts saved indexes only if they
/// are well formed and consistent with the segment; otherwise the segment is scanned to rebuild them.
struct SegmentIndex: Sendable {
    /// An index entry at least every this many bytes of log.
    static let interval = 4_096

    /// (offset relative to the base, file position of the batch holding it), rising in both.
    private(set) var positions: [(relativeOffset: UInt32, position: UInt32)] = []
    /// (largest timestamp so far, relative offset of the batch reaching it), rising in both.
    private(set) var times: [(timestamp: Int64, relativeOffset: UInt32)] = []
    private var bytesSinceEntry = Int.max

    /// Records a batch written at `position`; adds entries when due.
    mutating func record(_ header: RecordBatch.Header, at position: Int64, baseOffset: Offset) {
        let relative = UInt32(clamping: header.baseOffset.value - baseOffset.value)
        if bytesSinceEntry >= Self.interval {
            positions.append((relative, UInt32(clamping: position)))
            bytesSinceEntry = 0
        }
        bytesSinceEntry += header.size
        if header.maxTimestamp > (times.last?.timestamp ?? Int64.min) {
            times.append((header.maxTimestamp, relative))
        }
    }

    /// Where to start reading to find `offset`: the position of the last indexed batch at or before it, and
    /// that batch's first offset.
    func startEntry(for offset: Offset, baseOffset: Offset) -> (position: Int64, offset: Offset) {
        let relative = offset.value - baseOffset.value
        var low = 0
        var high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if Int64(positions[middle].relativeOffset) <= relative { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return (0, baseOffset) }
        let entry = positions[low - 1]
        return (Int64(entry.position), Offset(baseOffset.value + Int64(entry.relativeOffset)))
    }

    /// The relative offset of the first batch whose largest timestamp is at or after `timestamp`, if any.
    func firstRelativeOffset(atOrAfter timestamp: Int64) -> UInt32? {
        times.first { $0.timestamp >= timestamp }?.relativeOffset
    }

    /// The largest timestamp stored up to the batch holding the relative offset `relative` (that batch
    /// included), if any.
    func newestTimestamp(upTo relative: UInt32) -> Int64? {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle].relativeOffset <= relative { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? times[low - 1].timestamp : nil
    }

    /// The largest timestamp in the segment, if it holds anything.
    var maxTimestamp: Int64? { times.last?.timestamp }

    // MARK: Saving and loading

    /// The largest index file a segment can have (an entry per 4 KiB of a segment of at most 4 GiB, plus the
    /// frame); a larger file is not read.
    static let maximumFileBytes: Int64 = 16 * 1024 * 1024

    /// The first bytes of an offset index file (format 2).
    static let offsetsMagic: UInt32 = 0x3249_4F48  // "HOI2"
    /// The first bytes of a time index file (format 2).
    static let timesMagic: UInt32 = 0x3249_5448  // "HTI2"
    /// Bytes of an index file's frame: magic, flags, segment size, next offset, entry count, and the trailing
    /// CRC32C.
    static let frameBytes = 4 + 4 + 8 + 8 + 4 + 4
    /// The flag of an index saved when its segment was sealed (rolled): a newer segment follows it.
    static let sealedFlag: UInt32 = 1

    /// The offset index as saved: a frame naming the segment's size and end offset and whether it was sealed,
    /// the entries, a CRC32C.
    func encodedOffsets(segmentSize: Int64, nextOffset: Offset, sealed: Bool) -> ByteBuffer {
        Self.framed(magic: Self.offsetsMagic, sealed: sealed, segmentSize: segmentSize, nextOffset: nextOffset, count: positions.count, entryBytes: 8) {
            buffer in
            for entry in positions {
                buffer.writeInteger(entry.relativeOffset, endianness: .little)
                buffer.writeInteger(entry.position, endianness: .little)
            }
        }
    }

    /// The time index as saved, framed as ``encodedOffsets(segmentSize:nextOffset:sealed:)``.
    func encodedTimes(segmentSize: Int64, nextOffset: Offset, sealed: Bool) -> ByteBuffer {
        Self.framed(magic: Self.timesMagic, sealed: sealed, segmentSize: segmentSize, nextOffset: nextOffset, count: times.count, entryBytes: 12) { buffer in
            for entry in times {
                buffer.writeInteger(entry.timestamp, endianness: .little)
                buffer.writeInteger(entry.relativeOffset, endianness: .little)
            }
        }
    }

    private static func framed(
        magic: UInt32,
        sealed: Bool,
        segmentSize: Int64,
        nextOffset: Offset,
        count: Int,
        entryBytes: Int,
        entries: (inout ByteBuffer) -> Void
    ) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(frameBytes + count * entryBytes)
        buffer.writeInteger(magic, endianness: .little)
        buffer.writeInteger(sealed ? sealedFlag : 0, endianness: .little)
        buffer.writeInteger(segmentSize, endianness: .little)
        buffer.writeInteger(nextOffset.value, endianness: .little)
        buffer.writeInteger(UInt32(clamping: count), endianness: .little)
        entries(&buffer)
        let crc = buffer.withUnsafeReadableBytes { CRC32C.checksum($0) }
        buffer.writeInteger(crc, endianness: .little)
        return buffer
    }

    /// Saved indexes as loaded, with what their frame says of the segment.
    struct LoadedIndex {
        var index: SegmentIndex
        /// The segment's end offset when the indexes were saved.
        var nextOffset: Offset
        /// Whether they were saved when the segment was sealed: a newer segment followed it then.
        var sealed: Bool
    }

    /// Why saved index bytes were not taken.
    struct LoadProblem: Error, Equatable {
        let reason: String
    }

    /// The frame of a saved index file, checked: its entries' bytes, or why they cannot be used.
    private static func unframe(
        _ bytes: ByteBuffer,
        magic: UInt32,
        entryBytes: Int,
        segmentSize: Int64
    ) -> Result<(entries: ByteBuffer, nextOffset: Offset, sealed: Bool), LoadProblem> {
        var bytes = bytes
        guard bytes.readableBytes >= frameBytes else { return .failure(LoadProblem(reason: "\(bytes.readableBytes) bytes, shorter than an index's frame")) }
        let stored: UInt32? = bytes.getInteger(at: bytes.writerIndex - 4, endianness: .little)
        let computed = bytes.withUnsafeReadableBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<($0.count - 4)])) }
        guard stored == computed else { return .failure(LoadProblem(reason: "checksum mismatch")) }
        guard let foundMagic: UInt32 = bytes.readInteger(endianness: .little), foundMagic == magic,
            let flags: UInt32 = bytes.readInteger(endianness: .little),
            let size: Int64 = bytes.readInteger(endianness: .little),
            let next: Int64 = bytes.readInteger(endianness: .little),
            let count: UInt32 = bytes.readInteger(endianness: .little)
        else { return .failure(LoadProblem(reason: "not an index file of this format")) }
        guard size == segmentSize else {
            return .failure(LoadProblem(reason: "written for a segment of \(size) bytes, the segment has \(segmentSize)"))
        }
        guard Int(count) * entryBytes == bytes.readableBytes - 4, let entries = bytes.readSlice(length: Int(count) * entryBytes) else {
            return .failure(LoadProblem(reason: "\(count) entries do not fill the file"))
        }
        return .success((entries, Offset(next), flags & sealedFlag != 0))
    }

    /// Indexes read from saved bytes with the segment's end offset they were saved with, or why they
    /// cannot be used: a frame or checksum that does not match, a segment size other than `segmentSize`,
    /// entries out of order or outside the segment.
    static func load(offsets: ByteBuffer, times: ByteBuffer, segmentSize: Int64, baseOffset: Offset) -> Result<LoadedIndex, LoadProblem> {
        let offsetsFrame: (entries: ByteBuffer, nextOffset: Offset, sealed: Bool)
        let timesFrame: (entries: ByteBuffer, nextOffset: Offset, sealed: Bool)
        switch (
            unframe(offsets, magic: offsetsMagic, entryBytes: 8, segmentSize: segmentSize),
            unframe(times, magic: timesMagic, entryBytes: 12, segmentSize: segmentSize)
        ) {
        case (.success(let first), .success(let second)):
            offsetsFrame = first
            timesFrame = second
        case (.failure(let problem), _):
            return .failure(LoadProblem(reason: "offset index: \(problem.reason)"))
        case (_, .failure(let problem)):
            return .failure(LoadProblem(reason: "time index: \(problem.reason)"))
        }
        guard offsetsFrame.nextOffset == timesFrame.nextOffset, offsetsFrame.nextOffset >= baseOffset else {
            return .failure(LoadProblem(reason: "the offset and time indexes disagree on the segment's end"))
        }
        var offsetEntries = offsetsFrame.entries
        var timeEntries = timesFrame.entries
        var index = SegmentIndex()
        let limit = offsetsFrame.nextOffset.value - baseOffset.value
        let invalid = Result<LoadedIndex, LoadProblem>.failure(LoadProblem(reason: "entries out of order or outside the segment"))
        while let relative: UInt32 = offsetEntries.readInteger(endianness: .little),
            let position: UInt32 = offsetEntries.readInteger(endianness: .little)
        {
            if let last = index.positions.last, relative <= last.relativeOffset || position <= last.position { return invalid }
            if Int64(position) >= segmentSize || Int64(relative) >= limit { return invalid }
            index.positions.append((relative, position))
        }
        while let timestamp: Int64 = timeEntries.readInteger(endianness: .little),
            let relative: UInt32 = timeEntries.readInteger(endianness: .little)
        {
            if let last = index.times.last, timestamp <= last.timestamp || relative < last.relativeOffset { return invalid }
            if Int64(relative) >= limit { return invalid }
            index.times.append((timestamp, relative))
        }
        if index.positions.first?.position != 0 && !(index.positions.isEmpty && segmentSize == 0) { return invalid }
        if (segmentSize > 0) != !index.times.isEmpty { return invalid }
        return .success(LoadedIndex(index: index, nextOffset: offsetsFrame.nextOffset, sealed: offsetsFrame.sealed))
    }
}
