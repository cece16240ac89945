import Herald
import NIOCore

/// What a scan of a segment found.
///
/// A scan reads every batch from the start. Where a batch is not valid it looks for the next valid one
/// (a batch header's base offset, length and CRC let it resynchronise): when one follows, the bytes between
/// are damage in the middle of the segment, recorded in ``damages`` with the offsets they held, and the scan
/// goes on; when none follows, they are the segment's invalid tail (``problem``, from ``validSize`` on).
struct SegmentScan: Sendable {
    /// The index rebuilt from the valid batches.
    var index = SegmentIndex()
    /// Bytes from the start of the file to the end of the last valid batch.
    var validSize: Int64 = 0
    /// The offset after the last valid batch.
    var nextOffset: Offset
    /// Damaged ranges that valid batches follow, in file order.
    var damages: [SegmentCorruption] = []
    /// Why the bytes after ``validSize`` are not valid batches, if there are any.
    var problem: String?
    /// The size of the file.
    var fileSize: Int64 = 0

    /// Bytes after the last valid batch.
    var invalidBytes: Int64 { fileSize - validSize }

    /// Reads every batch of `file` from the start, checking each one (length, CRC, record layout, offsets
    /// following on); resynchronises after damage on the next valid batch. Scans up to `end` (default: the
    /// file's size).
    static func scan(_ file: any LogFile, baseOffset: Offset, end: Int64? = nil, chunkSize: Int = 1 << 20) throws(StorageError) -> SegmentScan {
        var result = SegmentScan(nextOffset: baseOffset)
        if let end { result.fileSize = end } else { result.fileSize = try file.size() }
        var reader = BatchReader(file: file, end: result.fileSize, chunkSize: chunkSize)
        var position: Int64 = 0
        while position < result.fileSize {
            let problem: String
            switch try reader.batch(at: position) {
            case .batch(_, let header) where header.baseOffset == result.nextOffset:
                result.index.record(header, at: position, baseOffset: baseOffset)
                position += Int64(header.size)
                result.validSize = position
                result.nextOffset = header.nextOffset
                continue
            case .batch(_, let header) where header.baseOffset > result.nextOffset:
                // A valid batch, but offsets before it are missing: damage with no bytes.
                result.damages.append(
                    SegmentCorruption(
                        path: file.path, position: position, endPosition: position, offset: result.nextOffset,
                        endOffset: header.baseOffset,
                        reason: "the batch at byte \(position) starts at offset \(header.baseOffset.value), expected \(result.nextOffset.value)"
                    )
                )
                result.nextOffset = header.baseOffset
                continue
            case .batch(_, let header):
                problem = "the batch at byte \(position) repeats offsets from \(header.baseOffset.value), expected \(result.nextOffset.value)"
            case .incomplete:
                problem = "torn batch at byte \(position): the file ends \(result.fileSize - position) bytes later, inside the batch"
            case .corrupt(let reason):
                problem = "invalid batch at byte \(position): \(reason)"
            }
            guard let next = try reader.nextValidBatch(after: position, expecting: result.nextOffset) else {
                result.problem = problem
                return result
            }
            result.damages.append(
                SegmentCorruption(
                    path: file.path, position: position, endPosition: next.position, offset: result.nextOffset,
                    endOffset: next.header.baseOffset, reason: problem
                )
            )
            result.nextOffset = next.header.baseOffset
            position = next.position
        }
        return result
    }
}

/// Reads the batches of a segment file through a window of bytes read ahead, and finds the next valid batch
/// after damage.
struct BatchReader {
    let file: any LogFile
    /// The end of the bytes that may hold batches (the file's size, or a segment's committed size).
    let end: Int64
    /// How many bytes one read takes at least.
    let chunkSize: Int
    private var window = ChunkWindow()

    init(file: any LogFile, end: Int64, chunkSize: Int) {
        self.file = file
        self.end = end
        self.chunkSize = chunkSize
    }

    /// The batch at `position`, read until the whole batch its header announces is in view (a batch may be
    /// larger than a chunk; an implausible header is left for the parse to report).
    mutating func batch(at position: Int64, decodeRecords: Bool = true) throws(StorageError) -> RecordBatch.Parsed {
        let remaining = end - position
        var view = window.view(at: position)
        var header = Self.plausibleHeader(view)
        while view.readableBytes < RecordBatch.headerSize || (header.map { $0.size > view.readableBytes } ?? false) {
            let wanted = Int64(max(chunkSize, header?.size ?? 0))
            guard Int64(view.readableBytes) < min(wanted, remaining) else { break }
            window = ChunkWindow(start: position, bytes: try file.read(count: Int(min(wanted, remaining)), at: position))
            view = window.view(at: position)
            header = Self.plausibleHeader(view)
        }
        if view.readableBytes > remaining, let cut = view.getSlice(at: view.readerIndex, length: Int(remaining)) {
            view = cut
        }
        return RecordBatch.parse(view, decodeRecords: decodeRecords)
    }

    /// The first position after `damage` where a whole, valid batch starts whose first offset is at least
    /// `expected` (and not further above it than the damaged bytes could have held records), or `nil` when
    /// none does before ``end``. Linear in the bytes searched: a checksum is computed only where a header
    /// is plausible.
    mutating func nextValidBatch(after damage: Int64, expecting expected: Offset) throws(StorageError) -> (position: Int64, header: RecordBatch.Header)? {
        var chunkStart = damage + 1
        while chunkStart + Int64(RecordBatch.headerSize) <= end {
            let count = Int(min(Int64(chunkSize + RecordBatch.headerSize), end - chunkStart))
            let bytes = try file.read(count: count, at: chunkStart)
            let candidates = Self.candidateStarts(in: bytes, limit: min(chunkSize, count))
            for candidate in candidates {
                let position = chunkStart + Int64(candidate)
                guard let slice = bytes.getSlice(at: bytes.readerIndex + candidate, length: bytes.readableBytes - candidate),
                    let header = RecordBatch.peekHeader(slice), RecordBatch.implausibility(of: header) == nil,
                    header.baseOffset >= expected, header.baseOffset.value - expected.value <= position - damage,
                    Int64(header.size) <= end - position
                else { continue }
                if case .batch = try batch(at: position) { return (position, header) }
            }
            chunkStart += Int64(chunkSize)
        }
        return nil
    }

    /// Positions in `bytes`, below `limit`, where a batch header could start (its format version and
    /// attributes bytes are right).
    private static func candidateStarts(in bytes: ByteBuffer, limit: Int) -> [Int] {
        bytes.withUnsafeReadableBytes { raw -> [Int] in
            var found: [Int] = []
            let last = min(limit, raw.count - RecordBatch.headerSize + 1)
            var index = 0
            while index < last {
                if raw[index + 16] == RecordBatch.formatVersion && raw[index + 17] == 0 { found.append(index) }
                index += 1
            }
            return found
        }
    }

    /// The header at the start of `view` if it can belong to a valid batch.
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
