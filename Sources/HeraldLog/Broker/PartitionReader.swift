import Herald
import NIOCore

import struct Foundation.Date

/// Reads and decodes one partition's events through its store's own lock, never the broker's: safe to
/// run on an I/O thread while the broker serves other calls.
struct PartitionReader: Sendable {
    let index: Partition
    let writer: PartitionWriter
    let directory: String
    /// Most events one cache load reads.
    let cacheLimit: Int
    /// About the most payload bytes one cache load reads.
    let cacheBytes: Int

    /// Decoded events from `offset` up to (not including) `end`, at most `limit` of them and, past the
    /// first, at most about `maximumBytes` of payload.
    ///
    /// - Throws: ``StorageError`` when the range cannot be read from `offset` on or an event does not decode;
    ///   events before a damaged range are returned, and the read from the damage then fails.
    func read(from offset: Offset, before end: Offset, limit: Int, maximumBytes: Int = .max) throws(StorageError) -> [StoredEvent] {
        var result: [StoredEvent] = []
        var bytes = 0
        var next = offset
        var reuse = EventEnvelope.DecodeReuse()
        while result.count < limit, next < end, bytes < maximumBytes {
            let from = next
            let records: [LogRecord]
            do {
                records = try writer.partition.withLock { (store: PartitionStore) throws(StorageError) in
                    try store.read(from: from, maximumBytes: 256 * 1024)
                }
            } catch {
                // What was read before damage is served; the next read starts at the damage and reports it.
                if result.isEmpty { throw error }
                break
            }
            guard let last = records.last else { break }
            for record in records where result.count < limit && record.offset < end && (result.isEmpty || bytes < maximumBytes) {
                bytes += record.value.readableBytes
                do {
                    let event = try EventEnvelope.decode(record.value, reusing: &reuse)
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
}

/// A cache load a consumer is waiting for: what to read, captured under its topic's lock, to run off it.
struct LoadRequest: Sendable {
    let reader: PartitionReader
    let offset: Offset
    /// The partition's start when the load was asked for.
    let start: Offset
    /// Its end then.
    let end: Offset
    /// The most events to read.
    let limit: Int
    /// About the most payload bytes to read.
    let maximumBytes: Int

    /// Reads the events to cache (on an I/O thread).
    func run() -> Result<[StoredEvent], StorageError> {
        do {
            return .success(try reader.read(from: max(offset, start), before: end, limit: limit, maximumBytes: maximumBytes))
        } catch {
            return .failure(error)
        }
    }
}
