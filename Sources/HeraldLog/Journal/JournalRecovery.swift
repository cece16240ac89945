/// What the embedded log took back from its commit journal when it opened: batches that were acknowledged
/// (synced in the journal) but not yet synced in their partition's segment when the log stopped.
public struct JournalRecovery: Sendable, Hashable {
    /// Journal files read.
    public var files = 0
    /// Batches appended back to their partitions.
    public var restoredBatches = 0
    /// Events in those batches.
    public var restoredEvents = 0
    /// Journal entries naming a topic or partition the log does not have; skipped.
    public var unknownPartitions = 0
    /// Journal bytes that could not be replayed, each saying where, why and what they claim to hold (a
    /// damaged entry, a file's last entry cut, or a gap before an entry in its partition). Their partitions
    /// are served up to the problem.
    public var problems: [JournalProblem] = []

    /// Creates an empty account.
    public init() {}
}
