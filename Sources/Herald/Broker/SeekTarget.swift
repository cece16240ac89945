import struct Foundation.Date

/// Where to move a consumer group's position. Moving a group forgets its in-flight deliveries:
/// settling them afterwards has no effect, and the group reads again from the new position.
public enum SeekTarget: Sendable, Hashable {
    /// The oldest event each partition holds.
    case earliest
    /// After the newest event: the group sees only what is published from now on.
    case latest
    /// The same offset in every partition (clamped to what each partition holds).
    case offset(Offset)
    /// A chosen offset per partition; partitions not named keep their position.
    case offsets([Partition: Offset])
    /// The first event each partition stored at or after this broker time.
    case time(Date)
}
