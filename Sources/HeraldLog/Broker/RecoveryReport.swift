/// What the embedded log found and did when it opened.
public struct RecoveryReport: Sendable, Hashable {
    /// Torn or corrupt tails cut at the last whole batch, one per affected partition.
    public var truncations: [TailTruncation] = []
    /// Damage found inside older segments; reads of those ranges fail with a typed error.
    public var corruptions: [SegmentCorruption] = []
    /// What the commit journal gave back to partitions whose segments lacked it.
    public var journal = JournalRecovery()

    /// Creates an empty report.
    public init() {}
}
