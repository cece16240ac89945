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
    /// Topics not opened because their `topic.json` is damaged, missing or contradicts the partitions on
    /// disk; their files are kept as they are (and so is what the commit journal holds for them) until the
    /// manifest is repaired and the broker reopened.
    public var quarantinedTopics: [Quarantine] = []
    /// Consumer groups not restored because their checkpoint file is damaged; their file is kept as it is.
    /// Delete it (the group starts again from its start position: at least once) or restore it, then reopen.
    public var quarantinedGroups: [Quarantine] = []
    /// What the commit journal gave back to partitions whose segments lacked it.
    public var journal = JournalRecovery()

    /// Creates an empty report.
    public init() {}
}
