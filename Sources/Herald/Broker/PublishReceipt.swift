/// What a broker says about one published event once its durability policy is met.
public struct PublishReceipt: Sendable, Hashable {
    /// The topic the event went to.
    public var topic: String
    /// The partition chosen by the event's partition key.
    public var partition: Partition
    /// The event's offset in that partition. For a duplicate, the offset of the original.
    public var offset: Offset
    /// Whether the broker recognised the event as a duplicate of one it already holds (same `source`
    /// and `id` within the topic's de-duplication window) and did not store it again.
    public var isDuplicate: Bool

    /// Creates a receipt.
    public init(topic: String, partition: Partition, offset: Offset, isDuplicate: Bool) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.isDuplicate = isDuplicate
    }
}
