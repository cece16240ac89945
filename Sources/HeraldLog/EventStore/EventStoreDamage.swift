/// Offsets of an embedded event store's log that cannot be read (a damaged or missing range found when
/// the store was opened): the events there are reported, never silently skipped. Reads that reach them
/// fail with an ``Herald/EventStoreError`` naming the offsets.
public struct EventStoreDamage: Sendable, Hashable, CustomStringConvertible {
    /// The global positions that cannot be read.
    public let positions: Range<UInt64>
    /// What is wrong, as the log found it.
    public let reason: String

    /// Creates a description of damage.
    public init(positions: Range<UInt64>, reason: String) {
        self.positions = positions
        self.reason = reason
    }

    /// `positions a..<b: reason`.
    public var description: String { "positions \(positions.lowerBound)..<\(positions.upperBound): \(reason)" }
}
