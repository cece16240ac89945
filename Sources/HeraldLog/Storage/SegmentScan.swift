import Herald
import NIOCore

/// What a scan of a segment found.
struct SegmentScan: Sendable {
    /// The index rebuilt from the valid batches.
    var index = SegmentIndex()
    /// Bytes of valid batches from the start of the file.
    var validSize: Int64 = 0
    /// The offset after the last valid batch.
    var nextOffset: Offset
    /// Why the scan stopped before the end of the file, if it did.
    var problem: String?
    /// The size of the file.
    var fileSize: Int64 = 0

    /// Bytes after the last valid batch.
    var invalidBytes: Int64 { fileSize - validSize }

    /// Reads every batch of `file` from the start, checking each one (length, CRC, record layout, offsets
    /// following on), and stops at the first that is not whole and valid.
    static func scan(_ file: any LogFile, baseOffset: Offset, chunkSize: Int = 1 << 20) throws(StorageError) -> SegmentScan {
        var result = SegmentScan(nextOffset: baseOffset)
        result.fileSize = try file.size()
        var position: Int64 = 0
        var window = ChunkWindow()
        while position < result.fileSize {
            let remaining = result.fileSize - position
            var view = window.view(at: position)
            // A plausible header's size decides how much must be in view; an implausible one is reported as is.
            // Read until the whole batch is in view: its size is known only once its header is (a batch may
            // be larger than a chunk).
            var header = Self.plausibleHeader(view)
            while view.readableBytes < RecordBatch.headerSize || (header.map { $0.size > view.readableBytes } ?? false) {
                let wanted = Int64(max(chunkSize, header?.size ?? 0))
                guard Int64(view.readableBytes) < min(wanted, remaining) else { break }
                window = ChunkWindow(start: position, bytes: try file.read(count: Int(min(wanted, remaining)), at: position))
                view = window.view(at: position)
                header = Self.plausibleHeader(view)
            }
            switch RecordBatch.parse(view) {
            case .batch(_, let header):
                guard header.baseOffset == result.nextOffset else {
                    result.problem = "batch at byte \(position) starts at offset \(header.baseOffset), expected \(result.nextOffset)"
                    return result
                }
                result.index.record(header, at: position, baseOffset: baseOffset)
                position += Int64(header.size)
                result.validSize = position
                result.nextOffset = header.nextOffset
            case .incomplete:
                result.problem = "torn batch at byte \(position): the file ends \(remaining) bytes later, inside the batch"
                return result
            case .corrupt(let reason):
                result.problem = "invalid batch at byte \(position): \(reason)"
                return result
            }
        }
        return result
    }

    /// The header at the start of `view` if it can belong to a valid batch (an implausible one is left
    /// for the parse to report).
    private static func plausibleHeader(_ view: ByteBuffer) -> RecordBatch.Header? {
        RecordBatch.peekHeader(view).flatMap { RecordBatch.implausibility(of: $0) == nil ? $0 : nil }
    }
}

/// Bytes of a file read from a known position.
struct ChunkWindow {
    var start: Int64 = 0
    var bytes = ByteBuffer()

    /// The bytes from `position` on, empty if `position` is outside the window.
    func view(at position: Int64) -> ByteBuffer {
        let skip = position - start
        guard skip >= 0, skip <= Int64(bytes.readableBytes) else { return ByteBuffer() }
        return bytes.getSlice(at: bytes.readerIndex + Int(skip), length: bytes.readableBytes - Int(skip)) ?? ByteBuffer()
    }
}
