import DequeModule

import struct Foundation.Date

/// The events of one partition of an in-memory topic, oldest first.
package struct PartitionLog: PartitionRecords {
    private(set) var records: Deque<StoredEvent> = []
    /// The offset of the oldest record held (equal to ``endOffset`` when empty).
    package private(set) var startOffset: Offset = 0
    /// The offset the next record gets.
    package private(set) var endOffset: Offset = 0
    /// Payload bytes held.
    private(set) var bytes = 0

    /// Appends an event and returns its offset.
    mutating func append(_ event: Event, partition: Partition, storedAt: Date) -> Offset {
        let offset = endOffset
        records.append(StoredEvent(event: event, partition: partition, offset: offset, storedAt: storedAt))
        endOffset = offset.next
        bytes += event.payloadSize
        return offset
    }

    /// The record at `offset`, or `nil` if it is not held.
    package func record(at offset: Offset) -> StoredEvent? {
        guard offset >= startOffset, offset < endOffset else { return nil }
        return records[Int(offset.value - startOffset.value)]
    }

    /// Removes the oldest record and returns it.
    mutating func removeOldest() -> StoredEvent? {
        guard let removed = records.popFirst() else { return nil }
        startOffset = removed.offset.next
        bytes -= removed.event.payloadSize
        return removed
    }

    /// The first offset whose record was stored at or after `date` (``endOffset`` if none).
    func firstOffset(storedAtOrAfter date: Date) -> Offset {
        var low = 0
        var high = records.count
        while low < high {
            let middle = (low + high) / 2
            if records[middle].storedAt < date {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return Offset(startOffset.value + Int64(low))
    }
}
