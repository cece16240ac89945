import Herald

/// One partition as retention sees it: taken under its topic's lock, decided on without touching the disk.
struct PartitionRetentionView: Equatable, Sendable {
    /// The partition's index in its topic.
    var partition: Int
    /// The first offset still held.
    var start: Offset
    /// The offset the next event gets.
    var end: Offset
    /// The offset below which every group has acknowledged everything; `nil` when the topic has no groups.
    var acknowledgedByAll: Offset?
    /// The sealed segments still on disk, oldest first. The active segment is never dropped.
    var sealedSegments: [SegmentSummary]
    /// Bytes of the active segment.
    var activeBytes: Int64

    /// Events held.
    var eventCount: Int64 { end.value - start.value }

    /// Bytes on disk, every segment.
    var bytes: Int64 { sealedSegments.reduce(activeBytes) { $0 + $1.bytes } }

    /// The end of the oldest sealed segment: moving the start there deletes it.
    var oldestSegmentEnd: Offset? { sealedSegments.first?.nextOffset }

    /// Moves the start to `offset` if that is later; sealed segments wholly below it go.
    mutating func advance(to offset: Offset) {
        guard offset > start else { return }
        start = min(offset, end)
        sealedSegments.removeAll { $0.nextOffset <= start }
    }
}
