/// What a consumer group's bookkeeping needs of a partition's events: its bounds and random access by
/// offset. The in-memory broker's partitions and the embedded log's cached readers provide it.
package protocol PartitionRecords {
    /// The oldest offset held.
    var startOffset: Offset { get }
    /// The offset the next event gets.
    var endOffset: Offset { get }
    /// The event at `offset`, or `nil` if it is not held (or cannot be read).
    func record(at offset: Offset) -> StoredEvent?
}
