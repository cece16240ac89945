import Herald

/// A command an orchestrated saga sends: an event published to a topic. Its id is made from the saga's
/// correlation id and the step, so sending it again (after a crash, or for a duplicate event) is
/// recognised by the broker's de-duplication and the receiver's inbox.
public struct SagaCommand: Sendable, Hashable {
    /// Where the command goes.
    public var topic: String
    /// The command.
    public var event: Event

    /// A command `event` to `topic`.
    public init(topic: String, event: Event) {
        self.topic = topic
        self.event = event
    }
}
