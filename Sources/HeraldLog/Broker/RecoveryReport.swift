/// What the embedded log found and did when it opened.
public struct RecoveryReport: Sendable, Hashable {
    /// Torn or corrupt tails cut at the last whole batch, one per affected partition.
    public var truncations: [TailTruncation] = []
    /// Damaged ranges of offsets, found at open or by reads since: reads of them fail with a typed error that
    /// names them, everything before and after is served. A consumer group stops at a damaged range; seeking
    /// it to the range's ``SegmentCorruption/endOffset`` skips it.
    public var corruptions: [SegmentCorruption] = []
    /// Saved segment indexes (derived data) found damaged or stale and rebuilt from their segments, each with
    /// the reason.
    public var rebuiltIndexes: [String] = []
    /// What the commit journal gave back to partitions whose segments lacked it.
    public var journal = JournalRecovery()

    /// Creates an empty report.
    public init() {}
}
