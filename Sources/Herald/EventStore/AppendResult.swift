/// What a successful append did.
public struct AppendResult: Sendable, Hashable {
    /// The stream's last revision after the append: pass it as ``ExpectedRevision/exact(_:)`` to the next
    /// append of the same writer.
    public let nextExpectedRevision: UInt64
    /// The global position of the append's last event.
    public let position: UInt64
    /// Whether the events were already there (the same ids appended again with the same expectation):
    /// then nothing was written and the result is the original append's.
    public let wasAlreadyAppended: Bool

    /// Creates a result.
    public init(nextExpectedRevision: UInt64, position: UInt64, wasAlreadyAppended: Bool = false) {
        self.nextExpectedRevision = nextExpectedRevision
        self.position = position
        self.wasAlreadyAppended = wasAlreadyAppended
    }
}
