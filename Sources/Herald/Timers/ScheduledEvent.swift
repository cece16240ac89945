import struct Foundation.Date

/// An event to publish to a topic at a time: a durable timer. Its ``id`` names it for cancelling and
/// rescheduling; when it fires, ``event`` is published as it is (its own id lets the broker's
/// de-duplication drop a second publish after a crash between publishing and recording the firing).
public struct ScheduledEvent: Sendable, Hashable {
    /// The timer's id, unique in its store: scheduling the same id again replaces the pending timer.
    public let id: String
    /// The topic the event is published to.
    public var topic: String
    /// The event.
    public var event: Event
    /// When it is due: it fires at this time or after, never before.
    public var due: Date

    /// A timer `id` publishing `event` to `topic` at `due`.
    public init(id: String, topic: String, event: Event, due: Date) {
        self.id = id
        self.topic = topic
        self.event = event
        self.due = due
    }
}
