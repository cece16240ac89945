/// One event of a dead-letter topic: the stored event and, when it is a dead letter Herald wrote, what it
/// records.
public struct StoredDeadLetter: Sendable, Hashable {
    /// The event as stored in the dead-letter topic, with its partition and offset there.
    public var stored: StoredEvent
    /// The original event, its failure and its origin; `nil` when the stored event is not a dead letter
    /// (something else was published to the topic).
    public var deadLetter: DeadLetter?

    /// Reads a stored event of a dead-letter topic.
    public init(_ stored: StoredEvent) {
        self.stored = stored
        self.deadLetter = DeadLetter(stored.event)
    }
}
