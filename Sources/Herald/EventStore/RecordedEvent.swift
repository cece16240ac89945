import Foundation

/// An event as an event store keeps it: in its stream at a revision, and in the store's one global order
/// at a position.
public struct RecordedEvent: Sendable, Hashable {
    /// The stream it belongs to.
    public let stream: String
    /// Its place in the stream: 0 for the first event, then 1, 2, … with no gaps.
    public let revision: UInt64
    /// Its place in the store's global order (``EventStore/readAll(from:limit:)``): increasing in commit
    /// order, never reused; not dense (a backend may skip positions).
    public let position: UInt64
    /// The event; correlation and causation ids travel as its `correlationid` and `causationid`
    /// extensions (see ``EventLineage``).
    public let event: Event
    /// When the store recorded it.
    public let recordedAt: Date

    /// Creates a recorded event.
    public init(stream: String, revision: UInt64, position: UInt64, event: Event, recordedAt: Date) {
        self.stream = stream
        self.revision = revision
        self.position = position
        self.event = event
        self.recordedAt = recordedAt
    }
}
