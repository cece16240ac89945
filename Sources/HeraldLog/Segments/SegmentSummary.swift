import Herald

/// What retention sees of a sealed segment.
struct SegmentSummary: Equatable, Sendable {
    var baseOffset: Offset
    var nextOffset: Offset
    var bytes: Int64
    /// The largest ingest time in the segment, from its index (checksummed when loaded, else rebuilt from
    /// the segment's batches).
    var maxTimestamp: Int64?
    /// Whether damage was found in the segment: its timestamps are then not known for certain.
    var isDamaged: Bool
    var eventCount: Int64 { nextOffset.value - baseOffset.value }
}
