import Herald
import NIOCore

/// A record batch: the unit written, checksummed and recovered (layout in `Docs/storage-format.md`).
struct RecordBatch: Sendable {
    /// Bytes before the records.
    static let headerSize = 42
    /// Bytes before the checksummed part (baseOffset, batchLength, crc).
    static let checksumStart = 16
    /// The format version written.
    static let formatVersion: UInt8 = 1
    /// The largest batch accepted (a bound against reading garbage lengths).
    static let maximumSize = 64 * 1024 * 1024

    var baseOffset: Offset
    var firstTimestamp: Int64
    var maxTimestamp: Int64
    var records: [LogRecord]

    var lastOffset: Offset { Offset(baseOffset.value + Int64(records.count) - 1) }

    /// The fixed fields at the start of a batch.
    struct Header: Sendable, Equatable {
        var baseOffset: Offset
        /// The whole batch's size in bytes.
        var size: Int
        var crc: UInt32
        var formatVersion: UInt8
        var recordCount: Int
        var lastOffsetDelta: Int
        var firstTimestamp: Int64
        var maxTimestamp: Int64

        var lastOffset: Offset { Offset(baseOffset.value + Int64(lastOffsetDelta)) }
        var nextOffset: Offset { lastOffset.next }
    }

    /// Appends one batch holding `values` (in order, from `baseOffset`) stored at `timestamp`.
    /// Returns the batch's size in bytes.
    @discardableResult
    static func encode(
        baseOffset: Offset,
        timestamp: Int64,
        records values: [(key: String?, value: ByteBuffer)],
        into buffer: inout ByteBuffer
    ) -> Int {
        encode(baseOffset: baseOffset, timestamp: timestamp, records: .values(values), into: &buffer)
    }

    /// The most bytes one record can take: a batch of that one record is ``maximumSize``. The log refuses
    /// an event whose record would be larger before acknowledging it.
    static let maximumRecordSize = maximumSize - headerSize

    /// The bytes the record of `event` takes in a batch (its length prefix included), at offset delta
    /// `delta`.
    static func recordSize(of event: Event, delta: Int = 0) -> Int {
        let body = recordBodySize(delta: delta, key: event.partitionKey, valueSize: EventEnvelope.encodedSize(of: event))
        return varintSize(UInt64(body)) + body
    }

    /// Appends `records` (in order, from `baseOffset`) stored at `timestamp` as one batch or, when they
    /// would make a batch larger than ``maximumSize`` (which readers refuse), as several consecutive batches
    /// each within it. Each batch's exact size is computed first and reserved once, then every field is
    /// written through a raw pointer. Returns the bytes written.
    ///
    /// - Precondition: every record fits in a batch (``maximumRecordSize``); publishes check it first.
    @discardableResult
    static func encode(baseOffset: Offset, timestamp: Int64, records: BatchRecords, into buffer: inout ByteBuffer) -> Int {
        precondition(!records.isEmpty, "a batch holds at least one record")
        let count = records.count
        var valueSizes: [Int] = []
        valueSizes.reserveCapacity(count)
        var size = headerSize
        func add(delta: Int, key: String?, valueSize: Int) {
            let body = recordBodySize(delta: delta, key: key, valueSize: valueSize)
            size += varintSize(UInt64(body)) + body
            valueSizes.append(valueSize)
        }
        switch records {
        case .values(let values):
            for (delta, record) in values.enumerated() { add(delta: delta, key: record.key, valueSize: record.value.readableBytes) }
        case .events(let events):
            for (delta, event) in events.enumerated() { add(delta: delta, key: event.partitionKey, valueSize: EventEnvelope.encodedSize(of: event)) }
        }
        if size > maximumSize && count > 1 {
            return encodeSplit(baseOffset: baseOffset, timestamp: timestamp, records: records, into: &buffer)
        }
        precondition(size <= maximumSize, "a record of \(size - headerSize) bytes does not fit in a batch")
        let start = buffer.writerIndex
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { space in
            guard let base = space.baseAddress else { return 0 }
            var writer = RawByteWriter(base)
            writer.writeLittleEndian(baseOffset.value)
            writer.writeLittleEndian(UInt32(size - 12))  // batchLength: what follows it
            writer.writeLittleEndian(UInt32(0))  // crc, set below
            writer.write(formatVersion)
            writer.write(0)
            writer.writeLittleEndian(UInt32(count))
            writer.writeLittleEndian(UInt32(count - 1))
            writer.writeLittleEndian(timestamp)
            writer.writeLittleEndian(timestamp)
            switch records {
            case .values(let values):
                for (delta, record) in values.enumerated() {
                    writeRecordPrefix(delta: delta, key: record.key, valueSize: valueSizes[delta], into: &writer)
                    record.value.withUnsafeReadableBytes { writer.write($0) }
                }
            case .events(let events):
                for (delta, event) in events.enumerated() {
                    writeRecordPrefix(delta: delta, key: event.partitionKey, valueSize: valueSizes[delta], into: &writer)
                    EventEnvelope.encode(event, into: &writer)
                }
            }
            precondition(writer.written == size, "record batch encoding wrote \(writer.written) bytes, computed \(size)")
            return size
        }
        let crc = buffer.withUnsafeReadableBytes { bytes in
            checksum(UnsafeRawBufferPointer(rebasing: bytes[(start - buffer.readerIndex)...]), size: size)
        }
        buffer.setInteger(crc, at: start + 12, endianness: .little)
        return size
    }

    /// Encodes `records` as consecutive batches, each as many records as fit within ``maximumSize``.
    private static func encodeSplit(baseOffset: Offset, timestamp: Int64, records: BatchRecords, into buffer: inout ByteBuffer) -> Int {
        // A record's size depends on its offset delta in its batch only through one varint, so sizes taken
        // at the record's delta in the whole run bound its size in any part of it.
        var sizes: [Int] = []
        switch records {
        case .values(let values):
            sizes = values.enumerated().map { delta, record in
                let body = recordBodySize(delta: delta, key: record.key, valueSize: record.value.readableBytes)
                return varintSize(UInt64(body)) + body
            }
        case .events(let events):
            sizes = events.enumerated().map { delta, event in recordSize(of: event, delta: delta) }
        }
        var written = 0
        var first = 0
        while first < sizes.count {
            var end = first
            var bytes = headerSize
            while end < sizes.count, end == first || bytes + sizes[end] <= maximumSize {
                bytes += sizes[end]
                end += 1
            }
            let part: BatchRecords
            switch records {
            case .values(let values): part = .values(Array(values[first..<end]))
            case .events(let events): part = .events(Array(events[first..<end]))
            }
            written += encode(baseOffset: Offset(baseOffset.value + Int64(first)), timestamp: timestamp, records: part, into: &buffer)
            first = end
        }
        return written
    }

    /// A record's bytes after its length: attributes, timestamp delta (0), offset delta, key, value length
    /// and value.
    private static func recordBodySize(delta: Int, key: String?, valueSize: Int) -> Int {
        let keySize = key.map { varintSize(zigZag(Int64($0.utf8.count))) + $0.utf8.count } ?? 1
        return 2 + varintSize(UInt64(delta)) + keySize + varintSize(UInt64(valueSize)) + valueSize
    }

    /// Writes a record's length and everything of it before the value.
    private static func writeRecordPrefix(delta: Int, key: String?, valueSize: Int, into writer: inout RawByteWriter) {
        writer.writeVarint(UInt64(recordBodySize(delta: delta, key: key, valueSize: valueSize)))
        writer.write(0)  // attributes
        writer.writeZigZag(0)  // timestamp delta: every record of a batch shares its timestamp
        writer.writeVarint(UInt64(delta))
        if let key {
            writer.writeZigZag(Int64(key.utf8.count))
            writer.writeUTF8(key)
        } else {
            writer.writeZigZag(-1)
        }
        writer.writeVarint(UInt64(valueSize))
    }

    /// The CRC32C of a batch of `size` bytes at the start of `bytes`: the base offset, then everything after
    /// the crc field.
    static func checksum(_ bytes: UnsafeRawBufferPointer, size: Int) -> UInt32 {
        let base = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<8]))
        return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[checksumStart..<size]), continuing: base)
    }

    /// Reads the header at the start of `buffer` without consuming it; `nil` if fewer than
    /// ``headerSize`` bytes are there.
    static func peekHeader(_ buffer: ByteBuffer) -> Header? {
        let at = buffer.readerIndex
        guard buffer.readableBytes >= headerSize,
            let base: Int64 = buffer.getInteger(at: at, endianness: .little),
            let length: UInt32 = buffer.getInteger(at: at + 8, endianness: .little),
            let crc: UInt32 = buffer.getInteger(at: at + 12, endianness: .little),
            let version: UInt8 = buffer.getInteger(at: at + 16),
            let count: UInt32 = buffer.getInteger(at: at + 18, endianness: .little),
            let lastDelta: UInt32 = buffer.getInteger(at: at + 22, endianness: .little),
            let first: Int64 = buffer.getInteger(at: at + 26, endianness: .little),
            let maximum: Int64 = buffer.getInteger(at: at + 34, endianness: .little)
        else { return nil }
        return Header(
            baseOffset: Offset(base),
            size: Int(length) + 12,
            crc: crc,
            formatVersion: version,
            recordCount: Int(count),
            lastOffsetDelta: Int(lastDelta),
            firstTimestamp: first,
            maxTimestamp: maximum
        )
    }

    /// What is at the start of some bytes of a segment.
    enum Parsed {
        /// A whole, valid batch of `header.size` bytes.
        case batch(RecordBatch, Header)
        /// The bytes end before the batch does (a torn write at the tail, or a short read).
        case incomplete(Header?)
        /// Not a valid batch; `reason` says why.
        case corrupt(String)
    }

    /// Checks and decodes the batch at the start of `buffer` (whose readable bytes may run past it).
    static func parse(_ buffer: ByteBuffer, decodeRecords: Bool = true) -> Parsed {
        guard let header = peekHeader(buffer) else { return .incomplete(nil) }
        if let problem = implausibility(of: header) { return .corrupt(problem) }
        guard buffer.readableBytes >= header.size else { return .incomplete(header) }
        let crc = buffer.withUnsafeReadableBytes { bytes in checksum(bytes, size: header.size) }
        guard crc == header.crc else {
            return .corrupt("checksum mismatch (stored \(hex(header.crc)), computed \(hex(crc)))")
        }
        guard decodeRecords else {
            return .batch(
                RecordBatch(baseOffset: header.baseOffset, firstTimestamp: header.firstTimestamp, maxTimestamp: header.maxTimestamp, records: []), header)
        }
        guard let body = buffer.getSlice(at: buffer.readerIndex + headerSize, length: header.size - headerSize) else {
            return .incomplete(header)
        }
        // Record boundaries are found through a raw reader; each value stays a slice of the read bytes.
        let scanned = body.withUnsafeReadableBytes {
            bytes -> Result<[(offset: Offset, timestampDelta: Int64, key: String?, value: Range<Int>)], BatchProblem> in
            var reader = RawByteReader(bytes)
            var found: [(offset: Offset, timestampDelta: Int64, key: String?, value: Range<Int>)] = []
            found.reserveCapacity(header.recordCount)
            for index in 0..<header.recordCount {
                guard let record = readRecord(&reader, header: header) else {
                    return .failure(BatchProblem("record \(index) of \(header.recordCount) is malformed"))
                }
                guard record.offset.value == header.baseOffset.value + Int64(index) else {
                    return .failure(BatchProblem("record \(index) has offset \(record.offset), expected \(header.baseOffset.value + Int64(index))"))
                }
                found.append(record)
            }
            guard reader.remaining == 0 else { return .failure(BatchProblem("\(reader.remaining) bytes after the last record")) }
            return .success(found)
        }
        let records: [LogRecord]
        switch scanned {
        case .failure(let problem):
            return .corrupt(problem.reason)
        case .success(let found):
            records = found.compactMap { record in
                body.getSlice(at: body.readerIndex + record.value.lowerBound, length: record.value.count).map {
                    LogRecord(offset: record.offset, timestamp: header.firstTimestamp + record.timestampDelta, key: record.key, value: $0)
                }
            }
        }
        let batch = RecordBatch(
            baseOffset: header.baseOffset,
            firstTimestamp: header.firstTimestamp,
            maxTimestamp: header.maxTimestamp,
            records: records
        )
        return .batch(batch, header)
    }

    /// Why a header cannot belong to a valid batch, or `nil` if it can.
    static func implausibility(of header: Header) -> String? {
        if header.formatVersion != formatVersion { return "unknown format version \(header.formatVersion)" }
        if header.size < headerSize || header.size > maximumSize { return "impossible batch size \(header.size)" }
        if header.recordCount < 1 || header.lastOffsetDelta != header.recordCount - 1 {
            return "inconsistent record count \(header.recordCount) / last offset delta \(header.lastOffsetDelta)"
        }
        if header.baseOffset.value < 0 { return "negative base offset \(header.baseOffset)" }
        return nil
    }

    /// Why the records of a batch do not decode.
    private struct BatchProblem: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Reads one record: its offset, key and where its value lies in the reader's bytes.
    private static func readRecord(_ reader: inout RawByteReader, header: Header) -> (offset: Offset, timestampDelta: Int64, key: String?, value: Range<Int>)? {
        guard let length = reader.readVarint(), length <= UInt64(reader.remaining) else { return nil }
        let end = reader.position + Int(length)
        guard reader.readByte() != nil,
            let timestampDelta = reader.readZigZag(),
            let offsetDelta = reader.readVarint(),
            let keyLength = reader.readZigZag()
        else { return nil }
        var key: String?
        if keyLength >= 0 {
            guard keyLength <= Int64(reader.remaining), let value = reader.readString(length: Int(keyLength)) else { return nil }
            key = value
        } else if keyLength != -1 {
            return nil
        }
        guard let valueLength = reader.readVarint(), valueLength == UInt64(end - reader.position),
            let start = reader.skip(Int(valueLength))
        else { return nil }
        return (Offset(header.baseOffset.value + Int64(offsetDelta)), timestampDelta, key, start..<start + Int(valueLength))
    }

    private static func hex(_ value: UInt32) -> String {
        "0x" + String(value, radix: 16, uppercase: true)
    }
}
