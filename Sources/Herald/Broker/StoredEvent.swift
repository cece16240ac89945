import struct Foundation.Date

/// An event as a broker holds it: the event and where and when it was stored.
public struct StoredEvent: Sendable, Hashable {
    /// The event.
    public var event: Event
    /// Its partition.
    public var partition: Partition
    /// Its offset.
    public var offset: Offset
    /// The broker's ingest time.
    public var storedAt: Date {
        get { storedTime.date }
        set { storedTime = WallTime(newValue) }
    }
    /// The ingest time as a value of compile-time layout (see ``Moment``): stored events are copied on
    /// every delivery.
    private var storedTime: WallTime

    /// Creates a stored event.
    public init(event: Event, partition: Partition, offset: Offset, storedAt: Date) {
        self.event = event
        self.partition = partition
        self.offset = offset
        self.storedTime = WallTime(storedAt)
    }
}
