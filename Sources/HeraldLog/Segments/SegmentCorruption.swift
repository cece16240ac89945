import Herald

/// A damaged range of a partition: bytes of a segment that are not valid record batches, or offsets that
/// are missing from the segments (a deleted or shortened file), and the offsets that cannot be read because
/// of it. Everything before ``offset`` and from ``endOffset`` on is served; reads of the range fail with a
/// ``StorageError`` that names it. A consumer group stops at ``offset``; seeking it to ``endOffset`` skips
/// the damage.
public struct SegmentCorruption: Sendable, Hashable, CustomStringConvertible {
    /// The segment file holding the damage (for missing offsets, the segment they should follow).
    public var path: String
    /// The byte position of the first damaged byte.
    public var position: Int64
    /// The byte position after the damage: where the next valid batch starts, or the file's end.
    public var endPosition: Int64
    /// The first offset that cannot be read.
    public var offset: Offset
    /// The first offset after the damage that can be read again (the next valid batch's first offset, or
    /// the next segment's).
    public var endOffset: Offset
    /// What is wrong.
    public var reason: String

    /// Creates the description of a damaged range.
    public init(path: String, position: Int64, endPosition: Int64, offset: Offset, endOffset: Offset, reason: String) {
        self.path = path
        self.position = position
        self.endPosition = endPosition
        self.offset = offset
        self.endOffset = endOffset
        self.reason = reason
    }

    /// The offsets that cannot be read.
    public var offsets: Range<Offset> { offset..<max(offset, endOffset) }

    /// Whether `offset` lies in the damaged range.
    public func covers(_ offset: Offset) -> Bool { offsets.contains(offset) }

    public var description: String {
        "damage in \(path) at bytes \(position)..<\(endPosition), offsets \(offset.value)..<\(endOffset.value): \(reason)"
    }

    /// The error a read of the damaged range fails with.
    var error: StorageError { .damaged(self) }
}
