/// What a consumer group's bookkeeping needs of a partition's events: its bounds and random access by
/// offset. The in-memory broker's partitions and the embedded log's cached readers provide it.
package protocol PartitionRecords {
    /// The oldest offset held.
    var startOffset: Offset { get }
    /// The offset the next event gets.
    var endOffset: Offset { get }
    /// The event at `offset`, or `nil` if it is not held (or cannot be read). May read from disk.
    func record(at offset: Offset) -> StoredEvent?
    /// The event at `offset` if it can be had without waiting for I/O; otherwise `nil`, and the partition
    /// arranges for it to be loaded (its broker then wakes the consumers). What consumers' hot path uses.
    func readyRecord(at offset: Offset) -> StoredEvent?
    /// Up to `maximum` consecutive events from `offset` on that can be had without waiting for I/O (the
    /// first is ``readyRecord(at:)``'s); empty when that one is not ready.
    func readyRecords(from offset: Offset, maximum: Int) -> [StoredEvent]
}

extension PartitionRecords {
    /// Partitions held in memory have every record ready.
    package func readyRecord(at offset: Offset) -> StoredEvent? {
        record(at: offset)
    }

    /// One ready event after another, until one is not ready.
    package func readyRecords(from offset: Offset, maximum: Int) -> [StoredEvent] {
        var records: [StoredEvent] = []
        var next = offset
        while records.count < maximum, next < endOffset, let record = readyRecord(at: next) {
            records.append(record)
            next = next.next
        }
        return records
    }
}
