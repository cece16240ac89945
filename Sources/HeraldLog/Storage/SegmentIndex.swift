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

    /// The file position to start reading at to find `offset`: the last entry at or before it.
    func startPosition(for offset: Offset, baseOffset: Offset) -> Int64 {
        let relative = offset.value - baseOffset.value
        var low = 0
        var high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if Int64(positions[middle].relativeOffset) <= relative { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 0 : Int64(positions[low - 1].position)
    }

    /// The relative offset of the first batch whose largest timestamp is at or after `timestamp`, if any.
    func firstRelativeOffset(atOrAfter timestamp: Int64) -> UInt32? {
        times.first { $0.timestamp >= timestamp }?.relativeOffset
    }

    /// The largest timestamp in the segment, if it holds anything.
    var maxTimestamp: Int64? { times.last?.timestamp }

    // MARK: Saving and loading

    func encodedOffsets() -> ByteBuffer {
        var buffer = ByteBuffer()
        for entry in positions {
            buffer.writeInteger(entry.relativeOffset, endianness: .little)
            buffer.writeInteger(entry.position, endianness: .little)
        }
        return buffer
    }

    func encodedTimes() -> ByteBuffer {
        var buffer = ByteBuffer()
        for entry in times {
            buffer.writeInteger(entry.timestamp, endianness: .little)
            buffer.writeInteger(entry.relativeOffset, endianness: .little)
        }
        return buffer
    }

    /// Indexes read from saved bytes, or `nil` when they are malformed or inconsistent with a segment of
    /// `segmentSize` bytes ending before `nextOffset`.
    static func load(offsets: ByteBuffer, times: ByteBuffer, segmentSize: Int64, baseOffset: Offset, nextOffset: Offset) -> SegmentIndex? {
        var offsets = offsets
        var times = times
        guard offsets.readableBytes % 8 == 0, times.readableBytes % 12 == 0 else { return nil }
        var index = SegmentIndex()
        let limit = nextOffset.value - baseOffset.value
        while let relative: UInt32 = offsets.readInteger(endianness: .little),
            let position: UInt32 = offsets.readInteger(endianness: .little)
        {
            if let last = index.positions.last, relative <= last.relativeOffset || position <= last.position { return nil }
            if Int64(position) >= segmentSize || Int64(relative) >= limit { return nil }
            index.positions.append((relative, position))
        }
        while let timestamp: Int64 = times.readInteger(endianness: .little),
            let relative: UInt32 = times.readInteger(endianness: .little)
        {
            if let last = index.times.last, timestamp <= last.timestamp || relative < last.relativeOffset { return nil }
            if Int64(relative) >= limit { return nil }
            index.times.append((timestamp, relative))
        }
        if index.positions.first?.position != 0 && !(index.positions.isEmpty && segmentSize == 0) { return nil }
        return index
    }
}
