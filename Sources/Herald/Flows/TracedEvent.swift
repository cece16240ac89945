/// One event of a flow, with where it is stored.
public struct TracedEvent: Sendable, Hashable {
    /// The topic it was read from.
    public var topic: String
    /// Its partition.
    public var partition: Partition
    /// Its offset there.
    public var offset: Offset
    /// The event.
    public var event: Event

    /// An event read from `topic` at `partition` and `offset`.
    public init(topic: String, partition: Partition, offset: Offset, event: Event) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.event = event
    }

    /// The id of the event that caused it (`causationid`), if any.
    public var causationID: String? { event.extensionValue(ExtensionAttributeName.causationID.rawValue) }
}
