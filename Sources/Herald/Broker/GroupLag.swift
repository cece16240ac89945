/// How far one consumer group is behind on one partition.
public struct PartitionLag: Sendable, Hashable {
    /// The partition.
    public var partition: Partition
    /// Every event below this offset is acknowledged by the group (its committed position).
    public var committedOffset: Offset
    /// The offset the next published event will get.
    public var endOffset: Offset
    /// Events at or above ``committedOffset`` the group has not acknowledged.
    public var pending: Int64
    /// Of those, how many are delivered and not yet settled.
    public var inFlight: Int
    /// Of those, how many wait for redelivery after a nack or an expired deadline.
    public var awaitingRedelivery: Int

    /// Creates a lag figure.
    public init(
        partition: Partition,
        committedOffset: Offset,
        endOffset: Offset,
        pending: Int64,
        inFlight: Int,
        awaitingRedelivery: Int
    ) {
        self.partition = partition
        self.committedOffset = committedOffset
        self.endOffset = endOffset
        self.pending = pending
        self.inFlight = inFlight
        self.awaitingRedelivery = awaitingRedelivery
    }
}

/// How far one consumer group is behind on one topic.
public struct GroupLag: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The group.
    public var group: String
    /// One figure per partition, in partition order.
    public var partitions: [PartitionLag]

    /// Creates a lag report.
    public init(topic: String, group: String, partitions: [PartitionLag]) {
        self.topic = topic
        self.group = group
        self.partitions = partitions
    }

    /// Unacknowledged events over all partitions.
    public var totalPending: Int64 { partitions.reduce(0) { $0 + $1.pending } }
}
